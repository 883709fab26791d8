/**
 * Run streams on the built server, with the Prefect requests counted by a proxy in front of the real Prefect:
 * a client leaving stops the polling (the stream's cancel path runs), many streams share one poller, and a
 * client resuming with Last-Event-ID gets exactly the events it missed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCountingProxy, type CountingProxy } from '../helpers/counting-proxy.ts';
import { openSse, type SseConnection } from '../helpers/sse-client.ts';
import { freePort, sleep, waitFor } from '../../scripts/lib/processes.ts';
import { startFlowdeck, type FlowdeckServer } from '../helpers/flowdeck.ts';
import { testApiUrl, testPrefect } from '../helpers/stack.ts';

const prefect = testPrefect();
let proxy: CountingProxy;
let flowdeck: FlowdeckServer;
let runId: string;
let streamUrl: string;

beforeAll(async () => {
	proxy = await startCountingProxy(new URL(testApiUrl()).origin, await freePort());
	// Shared reads off: these tests count the pollers' own requests, which single flight would otherwise blur. A
	// poller keeps a 1 s pace (it never slows down): a window without requests means it has stopped.
	flowdeck = await startFlowdeck({ PREFECT_API_URL: `${proxy.url}/api`, FLOWDECK_SHARED_READS: 'off', FLOWDECK_LIVE_IDLE_MS: '1000' });
	const flow = await prefect.flows.create('it-live-stream');
	// Running with no worker behind it: it stays Running, so its feed polls at the active pace.
	runId = (await prefect.flowRuns.create(flow.id, { name: 'it-live-watched', state: { type: 'RUNNING', name: 'Running' } })).id;
	streamUrl = `${flowdeck.url}/runs/${runId}/events`;
});

afterAll(async () => {
	await prefect.flowRuns.setState(runId, { type: 'CANCELLED', name: 'Cancelled' }, true).catch(() => undefined);
	await flowdeck?.stop();
	await proxy?.close();
});

const snapshotOf = (stream: SseConnection) => waitFor('a snapshot', async () => stream.events.find((event) => event.event === 'snapshot'), 30_000, 50);

/** Upstream requests over a window of `ms`. */
async function requestsDuring(ms: number): Promise<number> {
	proxy.reset();
	await sleep(ms);
	return proxy.count();
}

describe('run streams on the built server', () => {
	it('stops asking Prefect once the last client has gone (the stream cancel path runs)', async () => {
		const stream = await openSse(streamUrl);
		await snapshotOf(stream);
		expect(await requestsDuring(3000)).toBeGreaterThan(0);
		stream.close();
		// A tick already under way may finish, however slowly: wait for a quiet window longer than the poller's pace.
		await waitFor('Prefect requests to stop', async () => ((await requestsDuring(2500)) === 0 ? true : undefined), 120_000, 0);
		expect(await requestsDuring(4000)).toBe(0);
	});

	it('serves 20 clients of one run from one poller', async () => {
		const one = await openSse(streamUrl);
		await snapshotOf(one);
		// Windows of several rounds: a round reads the tree, and every 5 s the details too, so a short window's
		// count depends on where it falls.
		const single = await requestsDuring(8000);
		const more = await Promise.all(Array.from({ length: 19 }, () => openSse(streamUrl)));
		await Promise.all(more.map(snapshotOf));
		const twenty = await requestsDuring(8000);
		[one, ...more].forEach((stream) => stream.close());
		expect(single).toBeGreaterThan(0);
		// One poller per stream would make this about 20 times as many.
		expect(twenty).toBeLessThan(single * 2);
	});

	it('replays exactly the missed events to a client that resumes with Last-Event-ID', async () => {
		const keeper = await openSse(streamUrl); // keeps the poller (and its event ids) alive
		const client = await openSse(streamUrl);
		await Promise.all([snapshotOf(keeper), snapshotOf(client)]);
		const lastSeen = client.events.at(-1)!.id!;
		client.close();
		for (const name of ['Retrying', 'Running']) {
			const since = performance.now();
			await prefect.flowRuns.setState(runId, { type: 'RUNNING', name }, true);
			await keeper.next('run', since);
		}
		const missed = keeper.events.slice(keeper.events.findIndex((event) => event.id === lastSeen) + 1);
		expect(missed.filter((event) => event.event === 'run')).toHaveLength(2);

		const resumed = await openSse(streamUrl, lastSeen);
		await waitFor('the replay', async () => (resumed.events.length >= missed.length ? true : undefined), 10_000, 50);
		expect(resumed.events.slice(0, missed.length).map((event) => [event.id, event.event, event.data])).toEqual(missed.map((event) => [event.id, event.event, event.data]));
		expect(resumed.events.some((event) => event.event === 'snapshot')).toBe(false);
		keeper.close();
		resumed.close();
	});
});
