/**
 * Live list streams share their poller: the built Flowdeck talks to the real Prefect through a counting proxy,
 * and many concurrent streams of one /runs view (spelled differently) cost exactly the upstream requests of one.
 * Polling intervals are set far beyond the test's length, so each poller makes exactly its first round.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, waitFor } from '../../scripts/lib/processes.ts';
import { startCountingProxy, type CountingProxy } from '../helpers/counting-proxy.ts';
import { openSse, type SseConnection } from '../helpers/sse-client.ts';
import { startFlowdeck, type FlowdeckServer } from '../helpers/flowdeck.ts';
import { testApiUrl, testServerVersion } from '../helpers/stack.ts';

const STREAMS = 24;

async function openAll(urls: string[]): Promise<SseConnection[]> {
	const streams = await Promise.all(urls.map((url) => openSse(url)));
	await waitFor('every snapshot', async () => (streams.every((stream) => stream.events.some((event) => event.event === 'snapshot')) ? true : undefined), 60_000, 50);
	return streams;
}

const snapshotOf = (stream: SseConnection) => stream.events.find((event) => event.event === 'snapshot')!;

describe('live list streams', () => {
	let proxy: CountingProxy;
	let flowdeck: FlowdeckServer;
	// A tag no run carries: the views are empty, so one loader round is a fixed number of requests.
	const tag = `live-lists-${randomUUID().slice(0, 8)}`;

	beforeAll(async () => {
		proxy = await startCountingProxy(new URL(testApiUrl()).origin, await freePort());
		// Shared reads off: these tests count the pollers' own requests, which single flight would otherwise blur.
		flowdeck = await startFlowdeck({ PREFECT_API_URL: `${proxy.url}/api`, FLOWDECK_LIVE_ACTIVE_MS: '60000', FLOWDECK_LIVE_IDLE_MS: '300000', FLOWDECK_SHARED_READS: 'off' });
	});
	afterAll(async () => {
		await flowdeck?.stop();
		await proxy?.close();
	});

	it('serves N concurrent streams of one /runs view with one poller: the upstream requests of one stream', async () => {
		proxy.reset();
		const [single] = await openAll([`${flowdeck.url}/runs/events?tag=${tag}-alone`]);
		const oneRound = proxy.count();
		single!.close();
		expect(oneRound).toBeGreaterThan(0);

		// Equal views after normalisation: order, defaults, padding and unknown parameters do not matter.
		const spellings = [`tag=${tag}`, `range=7d&tag=${tag}`, `tag=%20${tag}%20&junk=1`, `sort=start-desc&tag=${tag}&page=1`];
		proxy.reset();
		const streams = await openAll(Array.from({ length: STREAMS }, (_, i) => `${flowdeck.url}/runs/events?${spellings[i % spellings.length]}`));
		expect(proxy.count()).toBe(oneRound);
		// One topic: every stream got the same snapshot, with the same id.
		expect(new Set(streams.map((stream) => snapshotOf(stream).id)).size).toBe(1);
		expect(JSON.parse(snapshotOf(streams[0]!).data)).toMatchObject({ total: 0, rows: [], query: { tag } });
		streams.forEach((stream) => stream.close());
	});

	it('serves every dashboard stream from one poller', async () => {
		const streams = await openAll(Array.from({ length: 8 }, () => `${flowdeck.url}/events`));
		expect(new Set(streams.map((stream) => snapshotOf(stream).id)).size).toBe(1);
		expect(JSON.parse(snapshotOf(streams[0]!).data)).toMatchObject({ overview: { reachable: true, version: testServerVersion() } });
		streams.forEach((stream) => stream.close());
	});
});
