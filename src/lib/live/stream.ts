/**
 * The browser end of a Flowdeck live stream (EventSource): typed handlers per event, a visible connection status,
 * and the endings: `end` closes it (no reconnect), `auth-expired` sends the user to sign in again.
 */
import { loginLocation } from '#lib/auth/next-url.ts';
import { parseJsonExact } from '#lib/json.ts';

export type LiveStatus = 'connecting' | 'live' | 'reconnecting' | 'ended' | 'stopped';

export interface UpstreamStatus {
	reachable: boolean;
	message?: string;
}

export type LiveHandlers = Record<string, (data: never) => void>;

const openSources = new Set<EventSource>();

/** Closes every stream of the page. Signing out calls it first: its streams must not answer with `auth-expired`. */
export function closeLiveStreams(): void {
	openSources.forEach((source) => source.close());
	openSources.clear();
}

export function openLiveStream(url: string, handlers: LiveHandlers, onStatus: (status: LiveStatus) => void): () => void {
	const source = new EventSource(url);
	openSources.add(source);
	const close = () => {
		source.close();
		openSources.delete(source);
	};
	onStatus('connecting');
	source.onopen = () => onStatus('live');
	// The browser reconnects by itself (with Last-Event-ID) unless the server refused the stream.
	source.onerror = () => {
		if (source.readyState === EventSource.CONNECTING) return onStatus('reconnecting');
		close();
		onStatus('stopped');
		void signInIfRefused(url);
	};
	for (const [event, handle] of Object.entries(handlers)) {
		source.addEventListener(event, (message) => (handle as (data: unknown) => void)(parseJsonExact((message as MessageEvent<string>).data)));
	}
	source.addEventListener('end', () => {
		close();
		onStatus('ended');
	});
	source.addEventListener('auth-expired', (message) => {
		close();
		onStatus('stopped');
		toLogin(endOf(JSON.parse((message as MessageEvent<string>).data)));
	});
	return close;
}

type SessionEnd = 'flowdeck' | 'workbench';

const endOf = (data: unknown): SessionEnd => ((data as { ended?: unknown } | null)?.ended === 'flowdeck' ? 'flowdeck' : 'workbench');

/** To /login, coming back to this page (never to the stream's URL). */
function toLogin(ended: SessionEnd): void {
	location.assign(loginLocation(location.pathname + location.search, ended));
}

/**
 * An EventSource does not tell why the server refused it: ask once more with fetch. A 401 (a stream opened
 * without a live session) means signing in; anything else leaves the page showing the stream stopped.
 */
async function signInIfRefused(url: string): Promise<void> {
	const controller = new AbortController();
	try {
		const response = await fetch(url, { headers: { accept: 'text/event-stream' }, signal: controller.signal });
		if (response.status === 401) toLogin(endOf(await response.json().catch(() => null)));
	} catch {
		// Unreachable: the status already says the stream stopped.
	} finally {
		controller.abort();
	}
}
