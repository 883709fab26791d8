import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { PrefectClient } from '#lib/prefect/client.ts';
import type { LiveHub, Subscriber } from '#lib/server/live/hub.ts';
import { eventStream, HEARTBEAT_MS } from '#lib/server/live/sse.ts';

/** A hub that records subscriptions and hands back the subscriber, so the test can push events. */
function fakeHub() {
	const state = { subscriber: undefined as Subscriber | undefined, unsubscribed: 0, lastEventId: undefined as string | undefined };
	const hub = {
		subscribe: (_key: string, _feed: unknown, subscriber: Subscriber, lastEventId?: string) => {
			state.subscriber = subscriber;
			state.lastEventId = lastEventId;
			return () => state.unsubscribed++;
		}
	} as unknown as LiveHub;
	return { hub, state };
}

async function readSome(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<string> {
	const { value } = await reader.read();
	return new TextDecoder().decode(value);
}

describe('eventStream', () => {
	beforeEach(() => vi.useFakeTimers());
	afterEach(() => vi.useRealTimers());

	it('sends retry first, events with ids, a heartbeat comment every 15 s, and no-buffering headers', async () => {
		const { hub, state } = fakeHub();
		const response = eventStream({ hub, key: 'run:1', createFeed: () => ({}) as never, prefect: {} as PrefectClient, lastEventId: 'e-4' });
		expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
		expect(response.headers.get('x-accel-buffering')).toBe('no');
		expect(response.headers.get('cache-control')).toMatch(/no-cache/);
		const reader = response.body!.getReader();
		expect(await readSome(reader)).toBe('retry: 3000\n\n');
		expect(state.lastEventId).toBe('e-4');
		state.subscriber!.send({ id: 'e-5', event: 'run', data: { state: 'Running' } });
		expect(await readSome(reader)).toBe('id: e-5\nevent: run\ndata: {"state":"Running"}\n\n');
		vi.advanceTimersByTime(HEARTBEAT_MS);
		expect(await readSome(reader)).toBe(': heartbeat\n\n');
	});

	it('unsubscribes from the hub when the client goes away (the stream is cancelled)', async () => {
		const { hub, state } = fakeHub();
		const response = eventStream({ hub, key: 'run:1', createFeed: () => ({}) as never, prefect: {} as PrefectClient, lastEventId: null });
		const reader = response.body!.getReader();
		await readSome(reader);
		await reader.cancel();
		expect(state.unsubscribed).toBe(1);
		vi.advanceTimersByTime(HEARTBEAT_MS * 3); // no heartbeat into a closed stream (it would throw)
	});

	it('closes the stream when the hub is done with the subscriber (end of the run)', async () => {
		const { hub, state } = fakeHub();
		const reader = eventStream({ hub, key: 'run:1', createFeed: () => ({}) as never, prefect: {} as PrefectClient, lastEventId: null }).body!.getReader();
		await readSome(reader);
		state.subscriber!.send({ id: 'e-9', event: 'end', data: {} });
		state.subscriber!.close();
		expect(await readSome(reader)).toContain('event: end');
		expect((await reader.read()).done).toBe(true);
		expect(state.unsubscribed).toBe(1);
	});
});
