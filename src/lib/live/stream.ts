/**
 * The browser end of a Flowdeck live stream (EventSource): typed handlers per event, a visible connection status,
 * and the endings: `end` closes it (no reconnect), `auth-expired` sends the user to sign in again.
 *
 * Any number of tabs: a browser keeps at most 6 HTTP/1.1 connections per origin, and each open stream holds one.
 * So a hidden tab's stream pauses (Page Visibility API; it resumes with a fresh snapshot when the tab is shown
 * again), and all tabs of a browser share a few stream slots (Web Locks): a tab without a free slot waits for one,
 * its page still loads and works. Without Web Locks (a plain-http page on a non-local host is no secure context),
 * only the pausing applies.
 */
import { loginLocation } from '#lib/auth/next-url.ts';
import { parseJsonExact } from '#lib/json.ts';
import type { EventMap, HubEvents, SessionEnd } from '#lib/live-events.ts';

export type LiveStatus = 'connecting' | 'live' | 'reconnecting' | 'paused' | 'waiting' | 'ended' | 'stopped';

/** A handler per event of the stream's map (src/lib/live-events.ts); `end` and `auth-expired` are handled here. */
export type LiveHandlers<E extends EventMap> = { [K in Exclude<keyof E, 'end' | 'auth-expired'> & string]?: (data: E[K]) => void };

/** The data of a received event: JSON the server wrote from the same map (the one place it is taken on trust). */
// Exact JSON (big integers kept, #lib/json.ts): the one place where the wire's data is trusted to match the event map.
const dataOf = <T>(message: Event): T => parseJsonExact((message as MessageEvent<string>).data) as T;

/** Streams open at once across the tabs of one browser: leaves connections for pages and their data. */
export const STREAM_SLOTS = 3;
/** A tab hidden this long gives its stream up (a quick look at another tab keeps it). */
const HIDDEN_GRACE_MS = 3000;
/** A waiting tab tries again when a slot is freed, and at least this often. */
const SLOT_RETRY_MS = 3000;
const SLOT_CHANNEL = 'flowdeck-live-slots';

const openStreams = new Set<() => void>();

/** Closes every stream of the page. Signing out calls it first: its streams must not answer with `auth-expired`. */
export function closeLiveStreams(): void {
	[...openStreams].forEach((close) => close());
	openStreams.clear();
}

export function openLiveStream<E extends HubEvents>(url: string, handlers: LiveHandlers<E>, onStatus: (status: LiveStatus) => void): () => void {
	let source: EventSource | null = null;
	let releaseSlot: (() => void) | null = null;
	let acquiring = false;
	let done = false;
	let hiddenTimer: ReturnType<typeof setTimeout> | undefined;

	const disconnect = () => {
		source?.close();
		source = null;
		releaseSlot?.();
		releaseSlot = null;
	};
	const close = () => {
		done = true;
		clearTimeout(hiddenTimer);
		document.removeEventListener('visibilitychange', onVisibility);
		disconnect();
		openStreams.delete(close);
	};
	const finish = (status: LiveStatus) => {
		close();
		onStatus(status);
	};

	const listen = (stream: EventSource) => {
		stream.onopen = () => onStatus('live');
		// The browser reconnects by itself (with Last-Event-ID) unless the server refused the stream.
		stream.onerror = () => {
			if (stream.readyState === EventSource.CONNECTING) return onStatus('reconnecting');
			finish('stopped');
			void signInIfRefused(url);
		};
		for (const event of Object.keys(handlers) as Array<keyof LiveHandlers<E>>) {
			const handle = handlers[event]!;
			stream.addEventListener(event, (message) => handle(dataOf(message)));
		}
		stream.addEventListener('end', () => finish('ended'));
		stream.addEventListener('auth-expired', (message) => {
			finish('stopped');
			toLogin(endOf(dataOf<HubEvents['auth-expired']>(message)));
		});
	};

	const wanted = () => !done && !document.hidden;
	const connect = async () => {
		if (!wanted() || source || acquiring) return;
		acquiring = true;
		onStatus('connecting');
		const release = await acquireSlot(wanted, () => onStatus('waiting'));
		acquiring = false;
		if (!release) return;
		if (!wanted() || source) return release();
		releaseSlot = release;
		source = new EventSource(url);
		listen(source);
	};

	function onVisibility() {
		clearTimeout(hiddenTimer);
		if (!document.hidden) return void connect();
		hiddenTimer = setTimeout(() => {
			if (!document.hidden || done) return;
			disconnect();
			onStatus('paused');
		}, HIDDEN_GRACE_MS);
	}

	openStreams.add(close);
	document.addEventListener('visibilitychange', onVisibility);
	if (document.hidden) onStatus('paused');
	else void connect();
	return close;
}

/** One of the browser's stream slots, held until the returned function is called; null once no longer `wanted`. */
async function acquireSlot(wanted: () => boolean, onWait: () => void): Promise<(() => void) | null> {
	if (!('locks' in navigator)) return () => {};
	for (;;) {
		for (let slot = 0; slot < STREAM_SLOTS; slot++) {
			const release = await tryLock(`flowdeck-live-slot-${slot}`);
			if (release) return release;
		}
		onWait();
		await slotFreed();
		if (!wanted()) return null;
	}
}

function tryLock(name: string): Promise<(() => void) | null> {
	return new Promise((resolve) => {
		void navigator.locks.request(name, { ifAvailable: true }, (lock) => {
			if (!lock) return resolve(null);
			return new Promise<void>((unlock) =>
				resolve(() => {
					unlock();
					// Waiting tabs (this one's other streams too) try again now.
					const channel = new BroadcastChannel(SLOT_CHANNEL);
					channel.postMessage('freed');
					channel.close();
				})
			);
		});
	});
}

function slotFreed(): Promise<void> {
	return new Promise((resolve) => {
		const channel = new BroadcastChannel(SLOT_CHANNEL);
		const done = () => {
			clearTimeout(timer);
			channel.close();
			document.removeEventListener('visibilitychange', done);
			resolve();
		};
		const timer = setTimeout(done, SLOT_RETRY_MS);
		channel.onmessage = done;
		document.addEventListener('visibilitychange', done);
	});
}

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
