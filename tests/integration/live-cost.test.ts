/**
 * What live pages cost upstream, counted by a proxy between the built Flowdeck and the real Prefect:
 * - a first viewer's stream starts from the data its page just rendered (no second load of the page);
 * - a run that finished a while ago costs its stream one round: snapshot, then end.
 * Polling intervals are set beyond the test's length, so no later tick is counted.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrefectClient } from '#lib/prefect/client.ts';
import { RunFeed } from '#lib/server/live/run-feed.ts';
import { freePort, waitFor } from '../../scripts/lib/processes.ts';
import { startCountingProxy, type CountingProxy } from '../helpers/counting-proxy.ts';
import { openSse } from '../helpers/sse-client.ts';
import { startFlowdeck, Visitor, type FlowdeckServer } from '../helpers/flowdeck.ts';
import { testApiUrl, testPrefect } from '../helpers/stack.ts';

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

	it("ends a finished run's stream after one round", async () => {
		const prefect = testPrefect();
		const flow = await prefect.flows.create('it-live-cost');
		const run = await prefect.flowRuns.create(flow.id, { name: `finished-${randomUUID().slice(0, 8)}`, state: { type: 'COMPLETED', name: 'Completed' } });
		const ended = Date.parse((await prefect.flowRuns.get(run.id)).end_time ?? new Date().toISOString());
		// Settled: its last log lines are in (the feed waits for them only within 12 s of the end).
		await new Promise((resolve) => setTimeout(resolve, Math.max(0, ended + 13_000 - Date.now())));

		proxy.reset();
		await new RunFeed(run.id).tick(createPrefectClient({ apiUrl: `${proxy.url}/api` }));
		const oneRound = proxy.count();

		proxy.reset();
		const sse = await openSse(`${flowdeck.url}/runs/${run.id}/events`);
		await waitFor('the end', async () => (sse.events.some((event) => event.event === 'end') ? true : undefined), 60_000, 50);
		sse.close();
		expect(sse.events.map((event) => event.event)).toEqual(['snapshot', 'end']);
		// The route's check that the run exists, then one round.
		expect(proxy.count()).toBe(1 + oneRound);
	});
});
