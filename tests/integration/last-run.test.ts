/**
 * "Last run" is exact at any data size: a flow (and a deployment) whose only run is two days old, under more
 * than a thousand newer runs of another flow, shows that run on /flows, /deployments and in the loaders.
 * The runs are created directly in their final state through the API (nothing executes).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/lib/processes.ts';
import { createDeployment, createFlow, createRun, inParallel, seeder } from '../../bench/seed.ts';
import { startCountingProxy, type CountingProxy } from '../helpers/counting-proxy.ts';
import { latestRuns } from '#lib/server/lookups.ts';
import { loadDeployments } from '#lib/server/deployments.ts';
import { startFlowdeck, Visitor, type FlowdeckServer } from '../helpers/flowdeck.ts';
import { testApiUrl, testPrefect, testPrefectMajor } from '../helpers/stack.ts';

const NEWER_RUNS = 1050;
const TWO_DAYS_MS = 2 * 86_400_000;
/** Runs created at once while seeding: Prefect 3.x on SQLite refuses a burst (503, database busy) sooner than 2.13.7. */
const SEED_IN_FLIGHT = testPrefectMajor() === 2 ? 16 : 4;

describe('last run at any data size', () => {
	const suffix = randomUUID().slice(0, 8);
	let quietFlow: { id: string };
	let quietDeployment: { id: string };
	let oldRun: { id: string };
	let oldDeploymentRun: { id: string };
	let flowdeck: FlowdeckServer;
	let proxy: CountingProxy;

	beforeAll(async () => {
		const seed = seeder(testApiUrl());
		quietFlow = await createFlow(seed, `quiet-flow-${suffix}`);
		quietDeployment = await createDeployment(seed, quietFlow.id, `quiet-${suffix}`);
		const at = new Date(Date.now() - TWO_DAYS_MS);
		oldRun = await createRun(seed, { flowId: quietFlow.id, name: `old-run-${suffix}`, state: 'FAILED', at });
		oldDeploymentRun = await createRun(seed, { flowId: quietFlow.id, deploymentId: quietDeployment.id, name: `old-deployed-${suffix}`, state: 'COMPLETED', at: new Date(at.getTime() - 60_000) });
		const busyFlow = await createFlow(seed, `busy-flow-${suffix}`);
		await inParallel(NEWER_RUNS, async (index) => void (await createRun(seed, { flowId: busyFlow.id, name: `busy-${suffix}-${index}` })), SEED_IN_FLIGHT);
		proxy = await startCountingProxy(new URL(testApiUrl()).origin, await freePort());
		flowdeck = await startFlowdeck({ PREFECT_API_URL: `${proxy.url}/api` });
	});
	afterAll(async () => {
		await flowdeck?.stop();
		await proxy?.close();
	});

	it('reads the latest runs of one flow and of one deployment, whatever the others did since', async () => {
		const now = new Date();
		const ofFlow = await latestRuns(testPrefect(), { flow: quietFlow.id }, 10, now);
		expect(ofFlow.map((run) => run.id)).toEqual([oldRun.id, oldDeploymentRun.id]);
		expect(ofFlow[0]!.state.type).toBe('FAILED');
		// When it ran, as Prefect says: its expected start two days ago on 2.13.7; 3.x gives a run forced from
		// Scheduled to a final state a start time of its own (now).
		const stored = await testPrefect().flowRuns.get(oldRun.id);
		expect(Date.parse(ofFlow[0]!.at!)).toBe(Date.parse(stored.start_time ?? stored.expected_start_time!));
		if (testPrefectMajor() === 2) expect(Date.parse(ofFlow[0]!.at!)).toBeLessThan(now.getTime() - TWO_DAYS_MS + 60_000);
		const ofDeployment = await latestRuns(testPrefect(), { deployment: quietDeployment.id }, 1, now);
		expect(ofDeployment.map((run) => run.id)).toEqual([oldDeploymentRun.id]);
	});

	it("shows the quiet flow's real last run on /flows, on whichever page it is", async () => {
		const visitor = new Visitor(flowdeck.url);
		for (let page = 1; page <= 100; page++) {
			const response = await visitor.get(`/flows?page=${page}`);
			expect(response.status).toBe(200);
			const row = new RegExp(`data-flow="quiet-flow-${suffix}"[\\s\\S]*?</tr>`).exec(response.body)?.[0];
			if (row) {
				expect(row).toContain(`/runs/${oldRun.id}`);
				expect(row).not.toContain('no runs');
				return;
			}
			if (!response.body.includes('rel="next"')) break;
		}
		throw new Error(`quiet-flow-${suffix} is on no page of /flows`);
	});

	it('gives each deployment its last run, and a page costs a bounded number of upstream requests', async () => {
		const first = await loadDeployments(testPrefect());
		const pages = first.pages;
		let found = false;
		for (let page = 1; page <= pages && !found; page++) {
			const table = page === 1 ? first : await loadDeployments(testPrefect(), page);
			const row = table.rows.find((candidate) => candidate.deployment.id === quietDeployment.id);
			if (row) {
				expect(row.lastRun?.id).toBe(oldDeploymentRun.id);
				found = true;
			}
		}
		expect(found).toBe(true);

		// Pages, count, names, then one light query per row: the cost follows the page size, never the runs.
		proxy.reset();
		const response = await new Visitor(flowdeck.url).get('/deployments');
		expect(response.status).toBe(200);
		expect(proxy.count()).toBeLessThanOrEqual(3 + first.rows.length);
	});
});
