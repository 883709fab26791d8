/** Every page renders real data from the stack's Prefect, and bad ids give a 404 page. */
import { expect, test } from '@playwright/test';
import { ORCHESTRATOR, TABLE_CHILD, TASK_PARALLEL } from '#lib/deployment-names.ts';
import { testPrefect } from '../helpers/stack.ts';
import { seed, seedBudgetMs, type Seeded } from './seed.ts';
import { LAPTOP, PHONE, screenshot } from './shots.ts';

let seeded: Seeded;

test.beforeAll(async () => {
	test.setTimeout(seedBudgetMs);
	seeded = await seed();
});

test.use({ viewport: LAPTOP });

test('the dashboard counts the last 24 h by state, charts them, lists failures and flows', async ({ page }) => {
	const prefect = testPrefect();
	const since = new Date(Date.now() - 86_400_000).toISOString();
	const failedInPrefect = await prefect.flowRuns.count({ flow_runs: { state: { type: { any_: ['FAILED'] } }, expected_start_time: { after_: since } } });

	await page.goto('/');
	await expect(page.getByRole('heading', { name: 'Dashboard' })).toBeVisible();
	await expect(page.getByTestId('stat-completed')).toContainText(/[1-9]/);
	// The count on the card is Prefect's own (runs can only be added meanwhile, by other specs).
	const failedOnCard = Number((await page.getByTestId('stat-failed').locator('.text-2xl').textContent()) ?? 'NaN');
	expect(failedOnCard).toBeGreaterThanOrEqual(Math.max(failedInPrefect, 1));
	await expect(page.getByRole('figure', { name: /Flow runs per hour by state/ }).locator('canvas')).toBeVisible();
	// The newest failure in Prefect is listed (the seeded fan-out may be pushed out by failures other specs made since).
	const [newestFailure] = await prefect.flowRuns.filter({
		flow_runs: { state: { type: { any_: ['FAILED', 'CRASHED'] } }, expected_start_time: { after_: since } },
		sort: 'END_TIME_DESC',
		limit: 1
	});
	expect(newestFailure).toBeDefined();
	const failures = page.getByRole('table', { name: 'Recent failures' });
	await expect(failures.getByRole('link', { name: newestFailure!.name })).toBeVisible();
	await expect(page.getByRole('region', { name: 'Work pool default-pool' })).toBeVisible();
	await expect(page.getByRole('table', { name: 'Flows' }).getByRole('link', { name: ORCHESTRATOR.flow })).toBeVisible();
	await screenshot(page, 'dashboard');
});

test('/flows lists every flow with recent run dots, last run and deployments', async ({ page }) => {
	await page.goto('/flows');
	const row = page.getByTestId('flow-row').and(page.locator(`[data-flow="${TASK_PARALLEL.flow}"]`));
	await expect(row.getByTestId('run-dot').first()).toBeVisible();
	// A dot says the state and when (the light query behind it has no run names), and opens the run.
	await expect(row.locator(`[data-testid="run-dot"][href="/runs/${seeded.completed.id}"]`)).toHaveAttribute('aria-label', /^Completed run, /);
	await expect(row.locator('td').nth(3)).toHaveText('1');
	const child = page.getByTestId('flow-row').and(page.locator(`[data-flow="${TABLE_CHILD.flow}"]`));
	await expect(child.getByTestId('run-dot')).not.toHaveCount(0);
	await screenshot(page, 'flows');

	await row.getByRole('link', { name: TASK_PARALLEL.flow }).click();
	await expect(page.getByRole('heading', { level: 1, name: TASK_PARALLEL.flow })).toBeVisible();
	await expect(page.getByTestId('deployment-row').and(page.locator(`[data-deployment="${TASK_PARALLEL.deployment}"]`))).toBeVisible();
	await expect(page.getByRole('figure', { name: /Durations of the last \d+ finished runs/ }).locator('canvas')).toBeVisible();
	await expect(page.getByRole('table', { name: `Runs of ${TASK_PARALLEL.flow}` }).getByRole('link', { name: seeded.completed.name })).toBeVisible();
	await screenshot(page, 'flow');
});

test('/deployments shows pool, tags, schedule and the last run', async ({ page }) => {
	await page.goto('/deployments');
	const row = page.getByTestId('deployment-row').and(page.locator(`[data-deployment="${ORCHESTRATOR.deployment}"]`));
	await expect(row).toContainText('default-pool');
	await expect(row).toContainText('distributed');
	await expect(row.getByTestId('state-badge')).toBeVisible();
	await screenshot(page, 'deployments');
});

test('/work-pools shows pools, queues, workers and the command that starts one', async ({ page }) => {
	await page.goto('/work-pools');
	const pool = page.getByRole('region', { name: 'Work pool default-pool' });
	await expect(pool.getByTestId('pool-status')).toHaveText('ready');
	await expect(pool.getByTestId('worker').filter({ hasText: 'ONLINE' })).not.toHaveCount(0);
	await expect(pool.getByTestId('queue').filter({ hasText: 'default' })).toBeVisible();
	await expect(pool.getByTestId('worker-command')).toContainText('prefect worker start --pool');
	await screenshot(page, 'work-pools');
});

test('the run page shows state, timing, parameters, history, the children tree, task runs and logs', async ({ page }) => {
	const root = seeded.fanOut.root;
	await page.goto(`/runs/${root.id}`);
	await expect(page.getByRole('heading', { level: 1, name: root.name })).toBeVisible();
	await expect(page.getByTestId('state-badge').first()).toHaveText('Failed');
	await expect(page.getByTestId('run-parameters')).toContainText('"fail_tables": [');
	await expect(page.getByTestId('state-change').filter({ hasText: 'Running' })).toBeVisible();
	// orchestrator -> 3 phases -> 4 tables, 2 of them failed
	await expect(page.getByTestId('tree-summary')).toContainText('4 fan-out runs');
	await expect(page.getByTestId('tree-summary').locator('[data-state="FAILED"]')).toHaveText('2 failed');
	await expect(page.getByTestId('tree-summary').locator('[data-state="COMPLETED"]')).toHaveText('2 completed');
	const fanout = page.getByTestId('tree-node').and(page.locator('[data-run-name="fanout-phase"]'));
	await expect(fanout.getByTestId('tree-node')).toHaveCount(4);
	await expect(page.getByTestId('tree-node').and(page.locator('[data-run-name="table-002"]')).getByTestId('state-badge')).toHaveText('Failed');
	await expect(page.getByTestId('task-row')).toHaveCount(3);
	await expect(page.getByTestId('log-line').first()).toBeVisible();
	await screenshot(page, 'run');

	// Level filter kept in the URL; download has every line.
	await page.getByLabel('Minimum level').selectOption('40');
	await expect(page).toHaveURL(/level=40/);
	await expect(page.getByTestId('log-line').filter({ hasText: /INFO/ })).toHaveCount(0);
	const download = await page.request.get(`/runs/${root.id}/logs`);
	expect(download.headers()['content-disposition']).toContain('attachment');
	expect(await download.text()).toMatch(/INFO/);
});

test('a phone-size screen and dark mode still show the runs', async ({ page }) => {
	await page.setViewportSize(PHONE);
	await page.emulateMedia({ colorScheme: 'dark' });
	await page.goto(`/runs?tag=${seeded.tag}`);
	await expect(page.getByTestId('run-row')).toHaveCount(3);
	await screenshot(page, 'runs-phone-dark');
});

test('a malformed or unknown id is a 404 page, not an error', async ({ page }) => {
	for (const path of ['/runs/not-an-id', '/runs/00000000-0000-4000-8000-000000000000', '/flows/123', '/deployments/00000000-0000-4000-8000-000000000000']) {
		const response = await page.goto(path);
		expect(response?.status(), path).toBe(404);
		await expect(page.getByRole('alert')).toContainText('Not found');
	}
	// A malformed id matches no route, yet its page still says what it is.
	await page.goto('/runs/not-an-id');
	await expect(page.getByRole('alert')).toContainText('No flow run has the id "not-an-id".');
	await page.goto('/flows/123');
	await expect(page.getByRole('alert')).toContainText('No flow has the id "123".');
});

test.describe('in Tokyo', () => {
	test.use({ timezoneId: 'Asia/Tokyo' });

	test('times show in the viewer timezone, or in UTC with the toggle (remembered)', async ({ page }) => {
		await page.goto(`/runs/${seeded.completed.id}`);
		const started = page.getByRole('region', { name: 'Timing' }).locator('dd').nth(1);
		await expect(started).toContainText('GMT+9');
		await expect(started.locator('time')).toHaveAttribute('title', /ago/);
		await page.getByTestId('utc-toggle').check();
		await expect(started).toContainText('UTC');
		await page.reload();
		await expect(page.getByTestId('utc-toggle')).toBeChecked();
		await expect(started).toContainText('UTC');
		await page.getByTestId('utc-toggle').uncheck();
		await expect(started).toContainText('GMT+9');
	});
});
