/**
 * Operator actions on the real stack, each checked in Prefect: resume, retry in place (one run, the failed children
 * of a fan-out), mark as, delete (one, selected, with and without JavaScript), every run of a view, copy to new
 * run, a deployment's schedule, pools and queues; and the run page's timeline and artifacts.
 */
import { expect, test, type Page } from '@playwright/test';
import { resolve } from 'node:path';
import { toDeploymentView } from '#lib/prefect/models.ts';
import { fanOutRuns, loadRunTree } from '#lib/server/run-tree.ts';
import { start, waitFor, type Managed } from '../../scripts/lib/processes.ts';
import { python, repoRoot } from '../../scripts/lib/python.ts';
import { seedPrefect, testApiUrl, testPrefect, waitForFinalTree } from '../helpers/stack.ts';
import { runBudgetMs, testBudgetMs } from '../helpers/timing.ts';
import { seed, seedBudgetMs, startFanOut, startTaskParallel, tomorrow, uniqueTag, waitForState, type Seeded } from './seed.ts';
import { LAPTOP, openLive, screenshot } from './shots.ts';

let seeded: Seeded;

test.beforeAll(async () => {
	test.setTimeout(seedBudgetMs);
	seeded = await seed();
});

test.use({ viewport: LAPTOP });

/** Accept the next confirmation dialog (a destructive action asks first). */
const acceptNextDialog = (page: Page) => page.once('dialog', (dialog) => void dialog.accept());

/** A run of a deployment scheduled for tomorrow: nothing picks it up, so tests can change it at will. */
const parkedRun = (tag: string) => startTaskParallel({ tables: 1, seconds: 1 }, { tags: [tag], state: tomorrow() });

/** One in-process flow, or one run of one table: a Python process and a few calls. */
const ONE_RUN_MS = runBudgetMs({ tables: 1, seconds: 1 });

test('resume: a flow paused in its own process goes on and completes', async ({ page }) => {
	test.setTimeout(testBudgetMs(ONE_RUN_MS, ONE_RUN_MS));
	const prefect = testPrefect();
	const name = uniqueTag('pausing');
	let flow: Managed | undefined;
	try {
		flow = start(python, [resolve(repoRoot, 'tests/fixtures/flows/pausing_flow.py'), name], { env: { PREFECT_API_URL: testApiUrl() }, quiet: true });
		const paused = await waitFor(
			'the fixture flow to pause',
			async () => {
				const [run] = await prefect.flowRuns.filter({ flow_runs: { name: { any_: [name] } }, limit: 1 });
				return run?.state_type === 'PAUSED' ? run : undefined;
			},
			ONE_RUN_MS,
			1000
		);
		await openLive(page, `/runs/${paused.id}`);
		await expect(page.getByTestId('state-badge').first()).toHaveText('Paused');
		await screenshot(page, 'run-paused', false);
		await page.getByRole('button', { name: 'Resume' }).click();
		await expect(page.getByTestId('form-message')).toContainText('Resumed');
		// The paused process notices and finishes the flow.
		await waitForState(paused.id, ['COMPLETED'], ONE_RUN_MS);
		await expect(page.getByTestId('state-badge').first()).toHaveText('Completed', { timeout: 30_000 });
	} finally {
		await flow?.stop();
	}
});

test('retry in place: the same failed run goes back to AwaitingRetry, runs again and keeps its id', async ({ page }) => {
	test.setTimeout(testBudgetMs(ONE_RUN_MS, ONE_RUN_MS));
	const prefect = testPrefect();
	const run = await startTaskParallel({ tables: 1, seconds: 1, fail_tables: [1] }, { tags: [uniqueTag('retry')] });
	await waitForState(run.id, ['FAILED'], ONE_RUN_MS);
	await openLive(page, `/runs/${run.id}`);
	await page.getByRole('button', { name: 'Retry', exact: true }).click();
	await expect(page.getByTestId('form-message')).toHaveText('Retrying in place: the run is AwaitingRetry until a worker picks it up.');
	// It fails again (table 1 always fails), as the same run, a second time.
	await waitFor(
		'the retried run to run again and fail',
		async () => {
			const again = await prefect.flowRuns.get(run.id);
			return again.state_type === 'FAILED' && again.run_count >= 2 ? again : undefined;
		},
		ONE_RUN_MS,
		1000
	);
	const states = await prefect.flowRuns.states(run.id);
	expect(states.map((state) => state.name)).toContain('AwaitingRetry');
});

test('retry failed children in place: only the failed tables run again, in the same tree', async ({ page }) => {
	const fanOut = runBudgetMs({ tables: 2, seconds: 1 });
	test.setTimeout(testBudgetMs(fanOut, ONE_RUN_MS));
	const prefect = testPrefect();
	const run = await startFanOut({ tables: 2, seconds: 1, fail_tables: [2] }, { tags: [uniqueTag('retry-children')] });
	const before = await waitForFinalTree(run.id, fanOut);
	const tables = fanOutRuns(before);
	const failed = tables.filter((table) => table.state_type === 'FAILED');
	expect(failed).toHaveLength(1);
	await openLive(page, `/runs/${run.id}`);
	await page.getByRole('button', { name: 'Retry 1 failed child' }).click();
	await expect(page.getByTestId('form-message')).toHaveText('Retrying 1 run in place.');
	const retried = await waitFor(
		'the failed table to run again',
		async () => {
			const again = await prefect.flowRuns.get(failed[0]!.id);
			return isDone(again.state_type) && again.run_count >= 2 ? again : undefined;
		},
		ONE_RUN_MS,
		1000
	);
	expect(retried.id).toBe(failed[0]!.id);
	// Still two tables, the completed one untouched: nothing new was started.
	const after = await loadRunTree(prefect, run.id);
	expect(
		fanOutRuns(after)
			.map((table) => table.id)
			.sort()
	).toEqual(tables.map((table) => table.id).sort());
	const completed = tables.find((table) => table.state_type === 'COMPLETED')!;
	expect((await prefect.flowRuns.get(completed.id)).run_count).toBe(completed.run_count);
});

const isDone = (type: string | null) => type === 'FAILED' || type === 'COMPLETED' || type === 'CRASHED';

test('mark as: a run stuck in Running with no process is marked Crashed, with the reason', async ({ page }) => {
	const prefect = testPrefect();
	const run = await parkedRun(uniqueTag('stuck'));
	await prefect.flowRuns.setState(run.id, { type: 'RUNNING', name: 'Running' }, true);
	await openLive(page, `/runs/${run.id}`);
	const form = page.getByRole('form', { name: 'Mark as' });
	await form.getByLabel('Mark as').selectOption('CRASHED');
	await form.getByLabel('Reason').fill('worker host lost');
	acceptNextDialog(page);
	await form.getByRole('button', { name: 'Mark' }).click();
	await expect(page.getByTestId('form-message')).toHaveText(`Marked ${run.name} Crashed.`);
	const after = await prefect.flowRuns.get(run.id);
	expect(after.state_type).toBe('CRASHED');
	expect(after.state?.message).toBe('worker host lost');
	await expect(page.getByTestId('state-badge').first()).toHaveText('Crashed');
});

test('delete one run: the dialog asks first; dismissed, nothing happens', async ({ page }) => {
	const prefect = testPrefect();
	const run = await parkedRun(uniqueTag('delete'));
	await openLive(page, `/runs/${run.id}`);
	page.once('dialog', (dialog) => void dialog.dismiss());
	await page.getByRole('button', { name: 'Delete run' }).click();
	await expect(page).toHaveURL(`/runs/${run.id}`);
	expect((await prefect.flowRuns.get(run.id)).id).toBe(run.id);

	acceptNextDialog(page);
	await page.getByRole('button', { name: 'Delete run' }).click();
	await expect(page).toHaveURL('/runs');
	expect(await prefect.flowRuns.filter({ flow_runs: { id: { any_: [run.id] } } })).toEqual([]);
});

test('every run of a view: cancel all, counted and confirmed, then delete all', async ({ page }) => {
	const prefect = testPrefect();
	const tag = uniqueTag('view');
	const runs = await Promise.all([0, 1, 2].map(() => parkedRun(tag)));
	await openLive(page, `/runs?tag=${tag}`);
	await expect(page.getByTestId('run-row')).toHaveCount(3);
	const view = page.getByRole('form', { name: 'Every run of this view' });
	await view.getByLabel(/Every run of this view/).selectOption('cancel');
	const asked: string[] = [];
	page.on('dialog', (dialog) => {
		asked.push(dialog.message());
		void dialog.accept();
	});
	await view.getByRole('button', { name: /Apply to all 3/ }).click();
	await expect(page.getByTestId('form-message')).toHaveText('Cancelled 3 runs.');
	expect(asked[0]).toContain('Cancel all 3 runs');
	const after = await prefect.flowRuns.filter({ flow_runs: { id: { any_: runs.map((run) => run.id) } } });
	expect(after.map((run) => run.state_type)).toEqual(['CANCELLED', 'CANCELLED', 'CANCELLED']);

	await view.getByLabel(/Every run of this view/).selectOption('delete');
	await view.getByRole('button', { name: /Apply to all 3/ }).click();
	await expect(page.getByTestId('form-message')).toHaveText('Deleted 3 runs.');
	// The question names what is asked now, not what the form first showed.
	expect(asked[1]).toContain('Delete all 3 runs');
	expect(await prefect.flowRuns.filter({ flow_runs: { tags: { all_: [tag] } } })).toEqual([]);
});

test.describe('without JavaScript', () => {
	test.use({ javaScriptEnabled: false });

	test('a view-wide cancel and a selected delete each show a confirm step before anything changes', async ({ page }) => {
		const prefect = testPrefect();
		const tag = uniqueTag('nojs-view');
		const runs = await Promise.all([0, 1].map(() => parkedRun(tag)));
		await page.goto(`/runs?tag=${tag}`);
		const view = page.getByRole('form', { name: 'Every run of this view' });
		await view.getByLabel(/Every run of this view/).selectOption('cancel');
		await view.getByRole('button', { name: /Apply to all 2/ }).click();
		const step = page.getByTestId('confirm-step');
		await expect(step).toContainText('Cancel all 2 runs matching this view');
		expect((await prefect.flowRuns.filter({ flow_runs: { tags: { all_: [tag] } } })).map((run) => run.state_type)).toEqual(['SCHEDULED', 'SCHEDULED']);
		await screenshot(page, 'runs-confirm', false);
		await step.getByRole('button', { name: 'Yes: Cancel all 2 runs' }).click();
		await expect(page.getByTestId('form-message')).toHaveText('Cancelled 2 runs.');
		await expect(page.getByLabel('Tag')).toHaveValue(tag);

		await page.getByRole('checkbox', { name: `Select ${runs[0]!.name}` }).check();
		await page.getByRole('button', { name: 'Delete selected' }).click();
		await expect(page.getByTestId('confirm-step')).toContainText('Delete 1 run');
		await page.getByTestId('confirm-step').getByRole('button', { name: 'Yes: Delete 1 run' }).click();
		await expect(page.getByTestId('form-message')).toHaveText('Deleted 1 run.');
		expect((await prefect.flowRuns.filter({ flow_runs: { tags: { all_: [tag] } } })).map((run) => run.id)).toEqual([runs[1]!.id]);
	});

	test('mark as works as a plain form (the contract the stale-run badge shares)', async ({ page }) => {
		const prefect = testPrefect();
		const run = await parkedRun(uniqueTag('nojs-mark'));
		await prefect.flowRuns.setState(run.id, { type: 'CANCELLING', name: 'Cancelling' }, true);
		await page.goto(`/runs/${run.id}`);
		const form = page.getByRole('form', { name: 'Mark as' });
		await form.getByLabel('Mark as').selectOption('CANCELLED');
		await form.getByRole('button', { name: 'Mark' }).click();
		await expect(page.getByTestId('form-message')).toHaveText(`Marked ${run.name} Cancelled.`);
		expect((await prefect.flowRuns.get(run.id)).state_type).toBe('CANCELLED');
	});
});

test('copy to new run: the deployment form comes prefilled from the run, and the change is what runs', async ({ page }) => {
	const prefect = testPrefect();
	await openLive(page, `/runs/${seeded.completed.id}`);
	await page.getByRole('link', { name: 'Copy to new run…' }).click();
	await expect(page.getByTestId('copied-from')).toContainText(seeded.completed.name);
	await expect(page.getByLabel(/^tables/)).toHaveValue('2');
	await page.getByLabel(/^tables/).fill('1');
	await page.getByRole('button', { name: 'Start run' }).click();
	await expect(page).toHaveURL(/\/runs\/[0-9a-f-]{36}$/);
	const created = await prefect.flowRuns.get(page.url().split('/').pop()!);
	// The change, and the copied value; an empty list is left to the flow's default (also empty).
	expect(created.parameters).toMatchObject({ tables: 1, seconds: seeded.completed.parameters.seconds });
	await prefect.flowRuns.setState(created.id, { type: 'CANCELLED' }, true);
});

test('a deployment schedule: upcoming runs shown, paused (confirmed: Prefect deletes them) and resumed', async ({ page }) => {
	// Prefect's scheduler service runs every 60 s.
	test.setTimeout(testBudgetMs(180_000));
	const prefect = testPrefect();
	const flow = await prefect.flows.get(seeded.completed.flow_id);
	const name = uniqueTag('scheduled');
	// No work pool: no worker ever picks these runs up. The schedule as each API generation takes it.
	const schedule = (await prefect.api()) === 3 ? { schedules: [{ schedule: { interval: 3600 }, active: true }] } : { schedule: { interval: 3600 }, is_schedule_active: true };
	const deployment = await seedPrefect<{ id: string }>('POST', '/deployments/', { name, flow_id: flow.id, ...schedule });
	const paused = async () => toDeploymentView(await prefect.deployments.get(deployment.id)).paused;
	try {
		await waitFor(
			'the scheduler to create runs',
			async () => {
				const runs = await prefect.flowRuns.filter({ deployments: { id: { any_: [deployment.id] } }, limit: 1 });
				return runs.length ? runs : undefined;
			},
			180_000,
			2000
		);
		await openLive(page, `/deployments/${deployment.id}`);
		await expect(
			page
				.getByRole('table', { name: `Upcoming runs of ${name}` })
				.getByTestId('run-row')
				.first()
		).toBeVisible();
		acceptNextDialog(page);
		await page.getByRole('button', { name: 'Pause schedule' }).click();
		await expect(page.getByTestId('form-message')).toContainText('Schedule paused');
		await expect(page.getByTestId('schedule')).toContainText('(paused)');
		await expect(page.getByTestId('no-upcoming')).toContainText('the schedule is paused');
		expect(await paused()).toBe(true);
		await screenshot(page, 'deployment-schedule', false);
		await page.getByRole('button', { name: 'Resume schedule' }).click();
		await expect(page.getByTestId('form-message')).toContainText('Schedule resumed');
		expect(await paused()).toBe(false);
	} finally {
		await seedPrefect('DELETE', `/deployments/${deployment.id}`);
	}
});

test('work pools and queues: pause, resume and concurrency limits, as Prefect records them', async ({ page }) => {
	const prefect = testPrefect();
	const pool = uniqueTag('pool');
	await prefect.workPools.create({ name: pool });
	try {
		await openLive(page, '/work-pools');
		const card = page.getByRole('region', { name: `Work pool ${pool}` });
		await card.getByRole('button', { name: `Pause pool ${pool}` }).click();
		await expect(page.getByTestId('form-message')).toHaveText(`Work pool ${pool} paused: workers take no new runs from it.`);
		expect((await prefect.workPools.get(pool)).is_paused).toBe(true);
		await card.getByRole('button', { name: `Resume pool ${pool}` }).click();
		await expect(page.getByTestId('form-message')).toHaveText(`Work pool ${pool} resumed.`);
		expect((await prefect.workPools.get(pool)).is_paused).toBe(false);

		await card.getByLabel(`Concurrency limit of pool ${pool} (empty: none)`).fill('5');
		await card.getByRole('button', { name: `Set the concurrency limit of pool ${pool}` }).click();
		await expect(page.getByTestId('form-message')).toHaveText(`Work pool ${pool}: concurrency limit set to 5.`);
		expect((await prefect.workPools.get(pool)).concurrency_limit).toBe(5);

		await card.getByLabel('Concurrency limit of queue default (empty: none)').fill('2');
		await card.getByRole('button', { name: 'Set the concurrency limit of queue default' }).click();
		await expect(page.getByTestId('form-message')).toHaveText(`Queue default of ${pool}: concurrency limit set to 2.`);
		await card.getByRole('button', { name: 'Pause queue default' }).click();
		await expect(page.getByTestId('form-message')).toHaveText(`Queue default of ${pool} paused: workers take no new runs from it.`);
		const queue = await seedPrefect<{ is_paused: boolean; concurrency_limit: number | null }>('GET', `/work_pools/${pool}/queues/default`);
		expect(queue).toMatchObject({ is_paused: true, concurrency_limit: 2 });
		await screenshot(page, 'work-pool-controls', false);
	} finally {
		await seedPrefect('DELETE', `/work_pools/${pool}`);
	}
});

test('timeline and artifacts of a finished fan-out: each table waited for a worker and ran; the summary is a table', async ({ page }) => {
	await openLive(page, `/runs/${seeded.fanOut.root.id}`);
	const timeline = page.getByTestId('run-timeline');
	const rows = timeline.getByTestId('timeline-row');
	// The run, three phases, four tables (and the root's own tasks, if any).
	await expect(rows.filter({ hasText: 'table-00' })).toHaveCount(4);
	for (const row of await rows.filter({ hasText: 'table-00' }).all()) {
		await expect(row.getByTestId('waited-worker')).not.toHaveText('—');
		await expect(row.getByTestId('ran')).not.toHaveText('—');
	}
	await expect(timeline.locator('canvas')).toBeVisible();
	await timeline.scrollIntoViewIfNeeded();
	await screenshot(page, 'run-timeline', false);

	const artifact = page.getByTestId('artifact').filter({ hasText: 'etl-summary' });
	await expect(artifact).toHaveCount(1);
	await expect(artifact.getByRole('row')).toHaveCount(5);
	await expect(artifact.getByRole('row').filter({ hasText: 'failed' })).toHaveCount(2);
});

test('a task-parallel run: tagged tasks show their wait for a concurrency slot', async ({ page }) => {
	await openLive(page, `/runs/${seeded.completed.id}`);
	const tasks = page.getByTestId('timeline-row').filter({ hasText: 'query-table' });
	await expect(tasks).toHaveCount(2);
	// Each has a slot column of its own (a number, or — when the slot was free at once).
	await expect(tasks.first().getByTestId('waited-slot')).toBeVisible();
	await expect(tasks.first().getByTestId('waited-worker')).toHaveText('—');
});

test('a markdown artifact is shown as text: raw HTML is never injected, only http(s) links are links', async ({ page }) => {
	const run = await parkedRun(uniqueTag('artifact'));
	await seedPrefect('POST', '/artifacts/', {
		key: 'e2e-markdown',
		type: 'markdown',
		flow_run_id: run.id,
		data: '# Report\n\n<img src=x onerror="window.injected=1"> **bold** [bad](javascript:alert(1)) [good](https://example.com)'
	});
	await openLive(page, `/runs/${run.id}`);
	const artifact = page.getByTestId('artifact').filter({ hasText: 'e2e-markdown' });
	await expect(artifact.getByText('<img src=x onerror="window.injected=1">')).toBeVisible();
	await expect(artifact.locator('img')).toHaveCount(0);
	await expect(artifact.locator('strong', { hasText: 'bold' })).toBeVisible();
	await expect(artifact.getByRole('link', { name: 'good' })).toHaveAttribute('href', 'https://example.com');
	await expect(artifact.getByRole('link', { name: 'bad' })).toHaveCount(0);
	expect(await page.evaluate(() => (window as unknown as { injected?: number }).injected)).toBeUndefined();
	await testPrefect().flowRuns.setState(run.id, { type: 'CANCELLED' }, true);
});
