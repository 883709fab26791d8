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
	source.onerror = () => onStatus(source.readyState === EventSource.CONNECTING ? 'reconnecting' : 'stopped');
	for (const [event, handle] of Object.entries(handlers)) {
		source.addEventListener(event, (message) => (handle as (data: unknown) => void)(parseJsonExact((message as MessageEvent<string>).data)));
	}
	source.addEventListener('end', () => {
		close();
		onStatus('ended');
	});
	source.addEventListener('auth-expired', () => {
		close();
		onStatus('stopped');
		location.assign(loginLocation(location.pathname + location.search, true));
	});
	return close;
}
