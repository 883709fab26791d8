/**
 * What live pages cost upstream, counted by a proxy between the built Flowdeck and the real Prefect:
 * - a first viewer's stream starts from the data its page just rendered (no second load of the page), the run
 *   page's included: its stream costs only the check that the run exists;
 * - a second viewer joins the running poller (its snapshot costs nothing), a reconnect reads for itself;
 * - a run that finished a while ago costs its stream one round: snapshot, then end;
 * - a running run's later rounds read only what can change: its tree's runs each round, its task runs and new log
 *   lines when they are due (FLOWDECK_LIVE_DETAILS_MS).
 * Polling intervals are set beyond the test's length, so no later tick is counted.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrefectClient } from '#lib/prefect/client.ts';
import type { RunSnapshot } from '#lib/live-events.ts';
import { RunFeed } from '#lib/server/live/run-feed.ts';
import { config } from '#lib/server/config.ts';
import { freePort, sleep, waitFor } from '../../scripts/lib/processes.ts';
import { startCountingProxy, type CountingProxy } from '../helpers/counting-proxy.ts';
import { openSse } from '../helpers/sse-client.ts';
import { startFlowdeck, Visitor, type FlowdeckServer } from '../helpers/flowdeck.ts';
import { seedPrefect, testApiUrl, testPrefect } from '../helpers/stack.ts';

describe('live cost', () => {
	let proxy: CountingProxy;
	let flowdeck: FlowdeckServer;

	beforeAll(async () => {
		proxy = await startCountingProxy(new URL(testApiUrl()).origin, await freePort());
		flowdeck = await startFlowdeck({ PREFECT_API_URL: `${proxy.url}/api`, FLOWDECK_LIVE_ACTIVE_MS: '60000', FLOWDECK_LIVE_IDLE_MS: '300000' });
	});
	afterAll(async () => {
		await flowdeck?.stop();
		await proxy?.close();
	});

	async function streamAfterPage(page: string, stream: string): Promise<{ page: number; stream: number }> {
		proxy.reset();
		const response = await new Visitor(flowdeck.url).get(page);
		expect(response.status).toBe(200);
		const pageCount = proxy.count();
		const sse = await openSse(`${flowdeck.url}${stream}`);
		await waitFor('the snapshot', async () => (sse.events.some((event) => event.event === 'snapshot') ? true : undefined), 60_000, 50);
		sse.close();
		return { page: pageCount, stream: proxy.count() - pageCount };
	}

	it("starts the dashboard's and a /runs view's first stream from what the page rendered", async () => {
		const dashboard = await streamAfterPage('/', '/events');
		expect(dashboard.page).toBeGreaterThan(0);
		expect(dashboard.stream).toBe(0);
		const tag = `live-cost-${randomUUID().slice(0, 8)}`;
		const runs = await streamAfterPage(`/runs?tag=${tag}`, `/runs/events?tag=${tag}`);
		expect(runs.page).toBeGreaterThan(0);
		expect(runs.stream).toBe(0);
	});

	/** Log lines of `runId`, 1 ms apart from `from`. */
	const postLines = (runId: string, messages: string[], from = Date.now()) =>
		seedPrefect(
			'POST',
			'/logs/',
			messages.map((message, n) => ({ name: 'it', level: 20, message, timestamp: new Date(from + n).toISOString(), flow_run_id: runId, task_run_id: null }))
		);

	/** A run in `state` with a few log lines. */
	async function runIn(state: 'COMPLETED' | 'RUNNING', name: string) {
		const prefect = testPrefect();
		const flow = await prefect.flows.create('it-live-cost');
		const run = await prefect.flowRuns.create(flow.id, { name: `${name}-${randomUUID().slice(0, 8)}`, state: { type: state, name: state === 'RUNNING' ? 'Running' : 'Completed' } });
		await postLines(
			run.id,
			Array.from({ length: 3 }, (_, n) => `line ${n}`),
			Date.now() - 1000
		);
		return run;
	}

	/** Settled: a finished run's last log lines are in (the feed waits for them only within 12 s of the end). */
	async function settled(runId: string) {
		const ended = Date.parse((await testPrefect().flowRuns.get(runId)).end_time ?? new Date().toISOString());
		await new Promise((resolve) => setTimeout(resolve, Math.max(0, ended + 13_000 - Date.now())));
	}

	/** The run page as a browser without the stream gets it; the token its stream starts from. */
	async function runPage(runId: string): Promise<{ calls: number; from: string }> {
		proxy.reset();
		const page = await new Visitor(flowdeck.url).get(`/runs/${runId}`);
		expect(page.status).toBe(200);
		const from = /streamFrom:"([0-9a-f-]{36})"/.exec(page.body)?.[1];
		expect(from, 'the page names the read its stream starts from').toBeTruthy();
		return { calls: proxy.count(), from: from! };
	}

	async function eventsUntil(url: string, last: string) {
		const sse = await openSse(url);
		await waitFor(`the ${last}`, async () => (sse.events.some((event) => event.event === last) ? true : undefined), 60_000, 50);
		sse.close();
		return sse.events;
	}

	it("starts a finished run page's stream from the page's read, then ends; without it, a stream costs one round", async () => {
		const run = await runIn('COMPLETED', 'finished-page');
		await settled(run.id);
		proxy.reset();
		await new RunFeed(run.id).tick(createPrefectClient({ apiUrl: `${proxy.url}/api` }));
		const oneRound = proxy.count();

		const page = await runPage(run.id);
		expect(page.calls).toBeGreaterThan(0);
		proxy.reset();
		const events = await eventsUntil(`${flowdeck.url}/runs/${run.id}/events?from=${page.from}`, 'end');
		expect(events.map((event) => event.event)).toEqual(['snapshot', 'end']);
		const snapshot = JSON.parse(events[0]!.data) as RunSnapshot;
		expect(snapshot.run.id).toBe(run.id);
		expect(snapshot.logs.map((line) => line.message)).toEqual(['line 0', 'line 1', 'line 2']);
		// At most the route's check that the run exists (shared with the page's own read when within a second).
		expect(proxy.count()).toBeLessThanOrEqual(1);

		// The token is used once: a reconnect with the same URL reads the run for itself (one round), and still gets it whole.
		proxy.reset();
		const again = await eventsUntil(`${flowdeck.url}/runs/${run.id}/events?from=${page.from}`, 'end');
		expect(again.map((event) => event.event)).toEqual(['snapshot', 'end']);
		expect((JSON.parse(again[0]!.data) as RunSnapshot).logs).toHaveLength(3);
		expect(proxy.count()).toBeGreaterThanOrEqual(oneRound);
		expect(proxy.count()).toBeLessThanOrEqual(1 + oneRound);
	});

	it("reads a running run's tree alone in a later round, with its task runs and new log lines when they are due", async () => {
		const run = await runIn('RUNNING', 'running-rounds');
		const feed = new RunFeed(run.id);
		const client = createPrefectClient({ apiUrl: `${proxy.url}/api` });
		await feed.tick(client);
		proxy.reset();
		expect((await feed.tick(client)).activity).toBe('active');
		expect(proxy.byPath()).toEqual([['POST /api/flow_runs/filter', 1]]);
		await sleep(config().FLOWDECK_LIVE_DETAILS_MS);
		proxy.reset();
		await feed.tick(client);
		expect(
			proxy
				.byPath()
				.map(([call]) => call)
				.sort()
		).toEqual(['POST /api/flow_runs/filter', 'POST /api/logs/filter', 'POST /api/task_runs/filter']);
		expect(proxy.count()).toBe(3);
	});

	it('reads the log lines once more before it ends: a line logged after the run ended is sent before `end`', async () => {
		const run = await runIn('RUNNING', 'late-lines');
		const feed = new RunFeed(run.id);
		const client = createPrefectClient({ apiUrl: `${proxy.url}/api` });
		await feed.tick(client);
		await testPrefect().flowRuns.setState(run.id, { type: 'COMPLETED', name: 'Completed' }, true);
		await feed.tick(client); // the tree has just ended: its details are read
		await sleep(config().FLOWDECK_LIVE_DETAILS_MS + 3000);
		await feed.tick(client); // details due again
		await postLines(run.id, ['late line']);
		// Past the 12 s the feed waits for late lines, before the details are due again.
		await sleep(4500);
		const sent: string[] = [];
		let activity = 'active';
		for (let round = 0; round < 5 && activity !== 'final'; round++) {
			const tick = await feed.tick(client);
			activity = tick.activity;
			for (const event of tick.events) if (event.event === 'logs') sent.push(...event.data.lines.map((line) => line.message));
		}
		expect(activity).toBe('final');
		expect(sent).toContain('late line');
	});

	it("starts a running run page's stream from the page's read; a second viewer joins it at no cost", async () => {
		const run = await runIn('RUNNING', 'running-page');
		const page = await runPage(run.id);
		proxy.reset();
		const first = await openSse(`${flowdeck.url}/runs/${run.id}/events?from=${page.from}`);
		await waitFor('the snapshot', async () => (first.events.some((event) => event.event === 'snapshot') ? true : undefined), 60_000, 50);
		expect(proxy.count()).toBeLessThanOrEqual(1);
		const second = await openSse(`${flowdeck.url}/runs/${run.id}/events`);
		await waitFor("the second viewer's snapshot", async () => (second.events.some((event) => event.event === 'snapshot') ? true : undefined), 60_000, 50);
		const snapshot = JSON.parse(second.events.find((event) => event.event === 'snapshot')!.data) as RunSnapshot;
		expect(snapshot.run.state.type).toBe('RUNNING');
		expect(snapshot.logs).toHaveLength(3);
		first.close();
		second.close();
		// Each stream's existence check (or one, shared); no round of the poller (its next one is a minute away).
		expect(proxy.count()).toBeLessThanOrEqual(2);
	});
});
