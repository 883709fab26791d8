/** A minimal Server-Sent Events reader over fetch, for the benchmark (records when each event arrived). */
export interface ReceivedEvent {
	event: string;
	id: string | null;
	data: string;
	at: number;
}

export interface SseConnection {
	events: ReceivedEvent[];
	/** Resolves with the first event named `name` after `since` (performance.now()). */
	next: (name: string, since: number) => Promise<ReceivedEvent>;
	close: () => void;
	/** Resolves when the server ends the stream (or it is closed). */
	ended: Promise<void>;
}

/** Opens a stream; `extraHeaders` adds e.g. a session cookie. */
export async function openSse(url: string, lastEventId?: string, extraHeaders: Record<string, string> = {}): Promise<SseConnection> {
	const controller = new AbortController();
	const headers: Record<string, string> = { accept: 'text/event-stream', ...extraHeaders };
	if (lastEventId) headers['last-event-id'] = lastEventId;
	const response = await fetch(url, { signal: controller.signal, headers });
	if (!response.ok || !response.body) throw new Error(`${url}: ${response.status}`);
	const events: ReceivedEvent[] = [];
	const waiters: Array<{ name: string; since: number; resolve: (event: ReceivedEvent) => void }> = [];
	const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
	const ended = (async () => {
		let buffer = '';
		try {
			for (;;) {
				const { value, done } = await reader.read();
				if (done) break;
				buffer += value;
				let boundary: number;
				while ((boundary = buffer.indexOf('\n\n')) >= 0) {
					const block = buffer.slice(0, boundary);
					buffer = buffer.slice(boundary + 2);
					const fields = new Map<string, string>();
					for (const line of block.split('\n')) {
						const colon = line.indexOf(':');
						if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1).trimStart());
					}
					if (!fields.has('event')) continue;
					const received = { event: fields.get('event')!, id: fields.get('id') ?? null, data: fields.get('data') ?? '', at: performance.now() };
					events.push(received);
					for (const waiter of [...waiters]) {
						if (waiter.name === received.event && received.at >= waiter.since) {
							waiters.splice(waiters.indexOf(waiter), 1);
							waiter.resolve(received);
						}
					}
				}
			}
		} catch {
			/* closed */
		}
	})();
	return {
		events,
		next: (name, since) =>
			new Promise((resolve) => {
				const seen = events.find((event) => event.event === name && event.at >= since);
				if (seen) resolve(seen);
				else waiters.push({ name, since, resolve });
			}),
		close: () => controller.abort(),
		ended
	};
}
