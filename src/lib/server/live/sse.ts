/**
 * A hub subscription as a text/event-stream response: `retry:` first, an `id:` on every event, a comment
 * heartbeat every 15 s (keeps proxies from closing an idle stream), no proxy buffering, and cleanup when the
 * client goes away (adapter-node cancels the stream).
 */
import type { PrefectClient } from '#lib/prefect/client.ts';
import { stringifyJson } from '#lib/json.ts';
import type { Feed, LiveEvent, LiveHub, Subscriber } from './hub.ts';

export const HEARTBEAT_MS = 15_000;
export const RETRY_MS = 3000;

export const sseHeaders = {
	'content-type': 'text/event-stream; charset=utf-8',
	'cache-control': 'no-cache, no-transform',
	connection: 'keep-alive',
	'x-accel-buffering': 'no'
};

export function formatEvent(event: LiveEvent): string {
	return `id: ${event.id}\nevent: ${event.event}\ndata: ${stringifyJson(event.data)}\n\n`;
}

export interface StreamRequest {
	hub: LiveHub;
	key: string;
	createFeed: () => Feed;
	prefect: PrefectClient;
	/** The viewer's Flowdeck session, checked at every tick (per-user mode). */
	session?: Subscriber['session'];
	lastEventId: string | null;
}

/** The session part of a stream request: a signed-in person's, checked at every tick; none for shared credentials. */
export const streamSession = (locals: App.Locals): Subscriber['session'] => (locals.auth.session ? { check: locals.auth.check } : undefined);

export function eventStream(request: StreamRequest): Response {
	const encoder = new TextEncoder();
	let cleanup = () => {};
	const body = new ReadableStream<Uint8Array>({
		start(controller) {
			let open = true;
			const write = (text: string) => {
				if (open) controller.enqueue(encoder.encode(text));
			};
			const heartbeat = setInterval(() => write(': heartbeat\n\n'), HEARTBEAT_MS);
			let unsubscribe = () => {};
			cleanup = () => {
				if (!open) return;
				open = false;
				clearInterval(heartbeat);
				unsubscribe();
			};
			write(`retry: ${RETRY_MS}\n\n`);
			unsubscribe = request.hub.subscribe(
				request.key,
				request.createFeed,
				{
					prefect: request.prefect,
					session: request.session,
					send: (event) => write(formatEvent(event)),
					close: () => {
						cleanup();
						controller.close();
					}
				},
				request.lastEventId ?? undefined
			);
		},
		cancel() {
			cleanup();
		}
	});
	return new Response(body, { headers: sseHeaders });
}
