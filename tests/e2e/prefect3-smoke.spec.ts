/**
 * The browser smoke on a Prefect 3.x stack (npm test's prefect3 part; ignored on the 2.13.7 stack, see
 * playwright.config.ts): a distributed ETL triggered with the form streams to Completed on its run page, and every
 * page loads without an error panel. What the per-version adapters show (schedules, pause, global limits) is
 * tested with them.
 */
import { expect, test } from '@playwright/test';
import { ORCHESTRATOR, TABLE_CHILD } from '#lib/deployment-names.ts';
import { testPrefect } from '../helpers/stack.ts';
import { runBudgetMs, testBudgetMs } from '../helpers/timing.ts';
import { LAPTOP, openLive } from './shots.ts';

test.use({ viewport: LAPTOP });
test.describe.configure({ mode: 'serial' });

const THREE = { tables: 3, seconds: 1 };
let runId: string | undefined;

test('healthz reports a reachable Prefect 3.x server', async ({ request }) => {
	const response = await request.get('/healthz');
	expect(response.ok()).toBe(true);
	expect(await response.json()).toMatchObject({ prefect: { reachable: true, version: expect.stringMatching(/^3\./) } });
});

test('a distributed ETL started with the trigger form streams to Completed on its run page', async ({ page }) => {
	test.setTimeout(testBudgetMs(runBudgetMs(THREE)));
	const deployment = await testPrefect().deployments.byName(ORCHESTRATOR.flow, ORCHESTRATOR.deployment);
	await openLive(page, `/deployments/${deployment.id}`);
	await page.getByLabel(/^tables/).fill(String(THREE.tables));
	await page.getByLabel(/^seconds/).fill(String(THREE.seconds));
	await page.getByLabel(/^fail_tables/).fill('');
	await page.getByRole('button', { name: 'Start run' }).click();
	await expect(page).toHaveURL(/\/runs\/[0-9a-f-]{36}$/);
	runId = page.url().split('/').pop();
	const run = await testPrefect().flowRuns.get(runId!);
	expect(run.parameters).toMatchObject({ tables: THREE.tables, seconds: THREE.seconds });
	await expect(page.getByTestId('live-status')).toHaveAttribute('data-status', 'live');
	await expect(page.getByTestId('run-finished')).toContainText('Completed', { timeout: runBudgetMs(THREE) });
	await expect(page.getByTestId('fanout-progress')).toHaveAttribute('data-done', String(THREE.tables));
	await expect(page.getByRole('alert')).toHaveCount(0);
});

test('every page loads without an error panel', async ({ page }) => {
	const prefect = testPrefect();
	const deployment = await prefect.deployments.byName(ORCHESTRATOR.flow, ORCHESTRATOR.deployment);
	const [child] = await prefect.flowRuns.filter({ flows: { name: { any_: [TABLE_CHILD.flow] } }, flow_runs: { state: { type: { any_: ['COMPLETED'] } } }, limit: 1 });
	expect(child, 'the run of the previous test left a completed table run').toBeDefined();
	const [taskRun] = await prefect.taskRuns.filter({ flow_runs: { id: { any_: [child!.id] } }, limit: 1 });
	expect(taskRun, 'the table run has task runs').toBeDefined();
	const pages = [
		'/',
		'/flows',
		`/flows/${deployment.flow_id}`,
		'/deployments',
		`/deployments/${deployment.id}`,
		'/runs',
		`/runs/${runId ?? child!.id}`,
		`/runs/${child!.id}`,
		`/task-runs/${taskRun!.id}`,
		'/work-pools',
		'/concurrency'
	];
	for (const url of pages) {
		const response = await page.goto(url);
		expect(response?.status(), url).toBe(200);
		await expect(page.getByRole('heading', { level: 1 }), url).toBeVisible();
		await expect(page.getByRole('alert'), `${url} shows no error`).toHaveCount(0);
	}
});
