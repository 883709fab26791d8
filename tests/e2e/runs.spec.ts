/** /runs and /runs/[id]: views kept in the URL, bulk cancel, cancel with descendants, run again, re-run failed children, the run page without JavaScript. */
import { expect, test } from '@playwright/test';
import { ORCHESTRATOR, TABLE_CHILD } from '#lib/deployment-names.ts';
import { RERUN_TAG_PREFIX } from '#lib/server/run-actions.ts';
import { fanOutRuns, loadRunTree } from '#lib/server/run-tree.ts';
import { waitFor } from '../../scripts/lib/processes.ts';
import { testPrefect } from '../helpers/stack.ts';
import { runBudgetMs, testBudgetMs } from '../helpers/timing.ts';
import { seed, seedBudgetMs, startFanOut, startTaskParallel, tomorrow, uniqueTag, waitForState, type Seeded } from './seed.ts';
import { LAPTOP, openLive, screenshot } from './shots.ts';

let seeded: Seeded;

test.beforeAll(async () => {
	test.setTimeout(seedBudgetMs);
	seeded = await seed();
});

test.use({ viewport: LAPTOP });

test('filters, kept in the URL, restore the same view on reload and on a shared link', async ({ page, browser }) => {
	const prefect = testPrefect();
	const flow = await prefect.flows.get(seeded.fanOut.root.flow_id);
	await openLive(page, '/runs');
	const filters = page.getByRole('form', { name: 'Filter runs' });
	await filters.getByLabel('Failed').check();
	await filters.getByLabel('Flow', { exact: true }).selectOption({ label: ORCHESTRATOR.flow });
	await filters.getByLabel('Tag').fill(seeded.tag);
	await filters.getByLabel('Hide subflow runs').check();
	await filters.getByRole('button', { name: 'Apply filters' }).click();

	await expect(page).toHaveURL(`/runs?state=FAILED&flow=${flow.id}&tag=${seeded.tag}&subflows=hide`);
	const expectView = async () => {
		await expect(page.getByTestId('run-row')).toHaveCount(1);
		const row = page.getByTestId('run-row').first();
		await expect(row.getByRole('link', { name: seeded.fanOut.root.name })).toBeVisible();
		await expect(row.getByTestId('children-count')).toHaveText('4'); // 3 phases, 4 tables under them
		await expect(filters.getByLabel('Failed')).toBeChecked();
		await expect(filters.getByLabel('Completed')).not.toBeChecked();
		await expect(filters.getByLabel('Flow', { exact: true })).toHaveValue(flow.id);
		await expect(filters.getByLabel('Tag')).toHaveValue(seeded.tag);
		await expect(filters.getByLabel('Hide subflow runs')).toBeChecked();
	};
	await expectView();
	await page.reload();
	await expectView();

	const shared = await browser.newPage();
	await shared.goto(page.url());
	await expect(shared.getByTestId('run-row')).toHaveCount(1);
	await shared.close();

	// Sort in the URL too.
	const namesIn = async (url: string) => {
		await page.goto(url);
		await expect(page.getByTestId('run-row')).toHaveCount(3);
		return page.getByTestId('run-row').locator('td:nth-child(2) a').allTextContents();
	};
	const ascending = await namesIn(`/runs?tag=${seeded.tag}&sort=name-asc`);
	expect(ascending).toEqual([...ascending].sort());
	expect(await namesIn(`/runs?tag=${seeded.tag}&sort=name-desc`)).toEqual([...ascending].reverse());
	await expect(page.getByLabel('Sort')).toHaveValue('name-desc');
	await screenshot(page, 'runs');
});

test('bulk cancel: the selected runs, and only those, are cancelled in Prefect', async ({ page }) => {
	const prefect = testPrefect();
	const tag = uniqueTag('bulk');
	const runs = await Promise.all([0, 1, 2].map(() => startTaskParallel({ tables: 1, seconds: 1 }, { tags: [tag], state: tomorrow() })));
	await openLive(page, `/runs?tag=${tag}`);
	await expect(page.getByTestId('run-row')).toHaveCount(3);
	const [first, second, untouched] = runs as [(typeof runs)[0], (typeof runs)[0], (typeof runs)[0]];
	for (const run of [first, second]) await page.getByRole('checkbox', { name: `Select ${run.name}` }).check();
	page.once('dialog', (dialog) => void dialog.accept());
	await page.getByRole('button', { name: 'Cancel selected (2)' }).click();
	await expect(page.getByTestId('form-message')).toHaveText('Cancelled 2 runs.');

	const after = await prefect.flowRuns.filter({ flow_runs: { id: { any_: runs.map((run) => run.id) } } });
	const stateOf = (id: string) => after.find((run) => run.id === id)?.state_type;
	expect(stateOf(first.id)).toBe('CANCELLED');
	expect(stateOf(second.id)).toBe('CANCELLED');
	expect(stateOf(untouched.id)).toBe('SCHEDULED');
	await expect(page.getByTestId('run-row').getByTestId('state-badge').filter({ hasText: 'Cancelled' })).toHaveCount(2);
	// Leave nothing scheduled behind.
	await prefect.flowRuns.setState(untouched.id, { type: 'CANCELLED' }, true);
});

test.describe('without JavaScript', () => {
	test.use({ javaScriptEnabled: false });

	test('a run page comes whole: its tree, task runs and logs are on the first page, not left loading', async ({ page }) => {
		const { fanOut } = seeded;
		await page.goto(`/runs/${fanOut.root.id}`);
		// The streamed page's <noscript> asks for the page rendered whole on the server.
		await expect(page).toHaveURL(/[?&]whole=1/);
		await expect(page.getByTestId('tree-node')).toHaveCount(fanOut.levels.flat().length);
		await expect(page.getByTestId('log-line').first()).toBeVisible();
		await expect(page.getByTestId('task-count')).toBeVisible();
		await expect(page.getByTestId('part-loading')).toHaveCount(0);
	});

	test('bulk cancel is a plain form POST that answers with the same view', async ({ page }) => {
		const prefect = testPrefect();
		const tag = uniqueTag('nojs');
		const runs = await Promise.all([0, 1].map(() => startTaskParallel({ tables: 1, seconds: 1 }, { tags: [tag], state: tomorrow() })));
		await page.goto(`/runs?tag=${tag}`);
		for (const run of runs) await page.getByRole('checkbox', { name: `Select ${run.name}` }).check();
		await page.getByRole('button', { name: /^Cancel selected/ }).click();
		// Without JavaScript the server asks first: nothing is cancelled until the confirm step's button.
		await page.getByTestId('confirm-step').getByRole('button', { name: 'Yes: Cancel 2 runs' }).click();
		await expect(page.getByTestId('form-message')).toHaveText('Cancelled 2 runs.');
		await expect(page.getByLabel('Tag')).toHaveValue(tag);
		await expect(page.getByTestId('run-row').getByTestId('state-badge').filter({ hasText: 'Cancelled' })).toHaveCount(2);
		const after = await prefect.flowRuns.filter({ flow_runs: { id: { any_: runs.map((run) => run.id) } } });
		expect(after.map((run) => run.state_type)).toEqual(['CANCELLED', 'CANCELLED']);
	});
});

test('cancel with all subflow runs stops a running fan-out and its children in Prefect', async ({ page }) => {
	const tablesStarted = runBudgetMs({ tables: 2, seconds: 0 });
	const cancelled = 120_000; // the worker notices the cancellation and stops the process
	test.setTimeout(testBudgetMs(tablesStarted, cancelled));
	const prefect = testPrefect();
	const run = await startFanOut({ tables: 2, seconds: 60, fail_tables: [] }, { tags: [uniqueTag('cancel')] });
	// Wait until the tables exist, so there are descendants to cancel.
	await waitFor(
		'the fan-out to start its tables',
		async () => {
			const tree = await loadRunTree(prefect, run.id);
			return tree.levels.length >= 2 && fanOutRuns(tree).length === 2 ? tree : undefined;
		},
		tablesStarted,
		1000
	);

	await page.goto(`/runs/${run.id}`);
	await expect(page.getByLabel('with all subflow runs')).toBeChecked();
	await expect(page.getByTestId('utc-toggle')).toBeEnabled();
	page.once('dialog', (dialog) => void dialog.accept());
	await page.getByRole('button', { name: 'Cancel run' }).click();
	await expect(page.getByTestId('form-message')).toContainText(/^Cancelled \d+ run/);

	// Nothing in the tree is still going: what had not finished is cancelling or cancelled, the 60 s tables included.
	const tree = await loadRunTree(prefect, run.id);
	for (const each of [tree.root, ...tree.levels.flat()]) expect(['CANCELLING', 'CANCELLED', 'COMPLETED', 'FAILED', 'CRASHED'], each.name).toContain(each.state_type);
	for (const each of [tree.root, ...fanOutRuns(tree)]) expect(['CANCELLING', 'CANCELLED'], each.name).toContain(each.state_type);
	// The worker stops the process and Prefect records the end.
	await waitForState(run.id, ['CANCELLED'], cancelled);
	await page.reload();
	await expect(page.getByTestId('state-badge').first()).toHaveText('Cancelled');
});

test('run again starts the same deployment with the same parameters and opens the new run', async ({ page }) => {
	const prefect = testPrefect();
	await page.goto(`/runs/${seeded.completed.id}`);
	await page.getByRole('button', { name: 'Run again' }).click();
	await expect(page).not.toHaveURL(`/runs/${seeded.completed.id}`);
	await expect(page).toHaveURL(/\/runs\/[0-9a-f-]{36}$/);
	const created = await prefect.flowRuns.get(page.url().split('/').pop()!);
	expect(created.deployment_id).toBe(seeded.completed.deployment_id);
	expect(created.parameters).toEqual(seeded.completed.parameters);
	await expect(page.getByRole('heading', { level: 1, name: created.name })).toBeVisible();
});

test('re-run failed children starts exactly one new child run per failed table, with its parameters', async ({ page }) => {
	const prefect = testPrefect();
	const root = seeded.fanOut.root;
	const failed = fanOutRuns(seeded.fanOut).filter((run) => run.state_type === 'FAILED');
	expect(failed.map((run) => run.parameters.table).sort()).toEqual([2, 4]);

	await page.goto(`/runs/${root.id}`);
	await page.getByRole('button', { name: 'Re-run failed as new runs' }).click();
	await expect(page.getByTestId('form-message')).toHaveText('Started 2 new runs of the failed children:');
	// Each new run as a link named after the run (the table's name), not a bare id.
	await expect(page.getByTestId('created-runs').getByRole('link')).toHaveCount(2);
	await expect(page.getByTestId('created-runs').getByRole('link', { name: /^table-00[24]$/ })).toHaveCount(2);

	const reruns = await prefect.flowRuns.filter({ flow_runs: { tags: { all_: [`${RERUN_TAG_PREFIX}${root.id}`] } } });
	const child = await prefect.deployments.byName(TABLE_CHILD.flow, TABLE_CHILD.deployment);
	expect(reruns).toHaveLength(2);
	expect(reruns.every((run) => run.deployment_id === child.id)).toBe(true);
	const byTable = (runs: Array<{ parameters: Record<string, unknown> }>) => runs.map((run) => run.parameters).sort((a, b) => Number(a.table) - Number(b.table));
	expect(byTable(reruns)).toEqual(byTable(failed));
	await screenshot(page, 'run-rerun');
});
