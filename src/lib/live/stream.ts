/**
 * The browser end of a Flowdeck live stream (EventSource): typed handlers per event, a visible connection status,
 * and the endings: `end` closes it (no reconnect), `auth-expired` sends the user to sign in again.
 */
import { loginLocation } from '#lib/auth/next-url.ts';

export type LiveStatus = 'connecting' | 'live' | 'reconnecting' | 'ended' | 'stopped';

export interface UpstreamStatus {
	reachable: boolean;
	message?: string;
}

export type LiveHandlers = Record<string, (data: never) => void>;

export function openLiveStream(url: string, handlers: LiveHandlers, onStatus: (status: LiveStatus) => void): () => void {
	const source = new EventSource(url);
	onStatus('connecting');
	source.onopen = () => onStatus('live');
	// The browser reconnects by itself (with Last-Event-ID) unless the server refused the stream.
	source.onerror = () => onStatus(source.readyState === EventSource.CONNECTING ? 'reconnecting' : 'stopped');
	for (const [event, handle] of Object.entries(handlers)) {
		source.addEventListener(event, (message) => (handle as (data: unknown) => void)(JSON.parse((message as MessageEvent<string>).data)));
	}
	source.addEventListener('end', () => {
		source.close();
		onStatus('ended');
	});
	source.addEventListener('auth-expired', () => {
		source.close();
		onStatus('stopped');
		location.assign(loginLocation(location.pathname + location.search, true));
	});
	return () => source.close();
}
