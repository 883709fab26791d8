/**
 * Flows Flowdeck did not write (tests/fixtures/flows, deployed by the test stack): a 30-parameter flow with
 * pydantic models, SecretStr, big ints and Optional; a 300-task run; a 20,000-line run; a depth-5 subflow tree;
 * a fan-out of runs that are not tables; a run Prefect's own lists fail on. The runs start once, together,
 * so their flow-run processes start in parallel on the workers.
 */
import { expect, test } from '@playwright/test';
import type { FlowRun, NewFlowRun } from '#lib/prefect/schemas.ts';
import { isFinalState } from '#lib/prefect/states.ts';
import { waitFor } from '../../scripts/lib/processes.ts';
import { testApiUrl, testPrefect, waitForFinalTree } from '../helpers/stack.ts';
import { runBudgetMs, testBudgetMs } from '../helpers/timing.ts';
import { startRun, waitForState } from './seed.ts';
import { LAPTOP, openLive } from './shots.ts';

test.use({ viewport: LAPTOP });

const CHATTY_LINES = 20_000;
const start = (flow: string, run: NewFlowRun = {}): Promise<FlowRun> => startRun({ flow, deployment: 'fixture' }, run);
/** Until a fixture run is final: its process (and at most two more for a fan-out), ~20 s of its own work. */
const RUN_MS = runBudgetMs({ tables: 2, seconds: 20 });

let runs: { chatty: FlowRun; nested: FlowRun; tasks: FlowRun; fanOut: FlowRun } | undefined;
/** Started on first use, all at once. */
async function fixtureRuns() {
	runs ??= await (async () => {
		// ~1,000 lines a second for 20 s: far more than the old tail's 2,000 lines per 30 s window.
		const chatty = await start('chatty-logs', { parameters: { lines: CHATTY_LINES, seconds: 20 } });
		const nested = await start('nested', { parameters: { depth: 5 } });
		const tasks = await start('many-tasks');
		const fanOut = await start('fan-out', { parameters: { runs: 2, depth: 1 } });
		return { chatty, nested, tasks, fanOut };
	})();
	return runs;
}

test('the live log tail follows a run writing ~1,000 lines a second to its last line, and the worker lines after the end', async ({ page }) => {
	test.setTimeout(testBudgetMs(RUN_MS));
	const { chatty } = await fixtureRuns();
	await openLive(page, `/runs/${chatty.id}`);
	await expect(page.getByTestId('live-status')).toHaveAttribute('data-status', 'live');
	await expect(page.getByTestId('log-line').filter({ hasText: `line ${String(CHATTY_LINES).padStart(6, '0')} of` })).toHaveCount(1, { timeout: RUN_MS });
	await expect(page.getByTestId('log-line').filter({ hasText: `chatty-logs done: ${CHATTY_LINES} lines` })).toHaveCount(1, { timeout: 60_000 });
	// The worker logs that the process exited after the run ended: the stream stays open for such lines.
	await expect(page.getByTestId('log-line').filter({ hasText: /Process \d+ exited/ })).toHaveCount(1, { timeout: 60_000 });
	const ids = await page.getByTestId('log-line').evaluateAll((lines) => lines.map((line) => line.getAttribute('data-log-id')));
	expect(new Set(ids).size, 'no line shown twice').toBe(ids.length);
	// The page keeps the latest lines, in order: the last 100 are consecutive.
	const numbers = (
		await page
			.getByTestId('log-line')
			.filter({ hasText: /line \d{6} of/ })
			.allTextContents()
	).map((text) => Number(/line (\d{6}) of/.exec(text)![1]));
	const tail = numbers.slice(-100);
	expect(tail).toEqual(Array.from({ length: tail.length }, (_, index) => tail[0]! + index));
});

test('the log download has every line of a 20,000-line run, oldest first, and the page says how many', async ({ page }) => {
	test.setTimeout(testBudgetMs(RUN_MS));
	const { chatty } = await fixtureRuns();
	await waitForFinalTree(chatty.id, RUN_MS);
	await openLive(page, `/runs/${chatty.id}`);
	const count = Number(/^([\d,]+) lines/.exec((await page.getByTestId('log-count').textContent({ timeout: 60_000 }))!)![1]!.replace(/,/g, ''));
	expect(count).toBeGreaterThan(CHATTY_LINES);
	const response = await page.request.get(`/runs/${chatty.id}/logs`, { timeout: RUN_MS });
	expect(response.ok()).toBe(true);
	const lines = (await response.text()).split('\n').filter(Boolean);
	expect(lines.length).toBe(count);
	const numbered = lines
		.map((line) => /line (\d{6}) of/.exec(line)?.[1])
		.filter((value): value is string => value !== undefined)
		.map(Number);
	expect(numbered).toEqual(Array.from({ length: CHATTY_LINES }, (_, index) => index + 1));
	expect(lines.at(-1)).toMatch(/exited/);
});

test('a depth-5 subflow tree is shown whole, and its deepest run logs in the tail and the download', async ({ page }) => {
	test.setTimeout(testBudgetMs(RUN_MS));
	const { nested } = await fixtureRuns();
	await waitForFinalTree(nested.id, RUN_MS);
	await openLive(page, `/runs/${nested.id}`);
	const subflows = page.getByRole('list', { name: 'Subflow runs', exact: true });
	for (const level of [1, 2, 3, 4, 5]) await expect(subflows.getByRole('link', { name: `nest-${level}`, exact: true })).toBeVisible();
	await expect(page.getByTestId('log-line').filter({ hasText: 'nest-5 reached' })).toHaveCount(1);
	const text = await (await page.request.get(`/runs/${nested.id}/logs`)).text();
	expect(text).toContain('nest-5 reached');
	await expect(page.getByTestId('tree-bound')).toHaveCount(0);
});

test('all 301 task runs are reachable: pages, filters by state and name, and a task-run page with its retries', async ({ page }) => {
	test.setTimeout(testBudgetMs(RUN_MS));
	const { tasks } = await fixtureRuns();
	await waitForState(tasks.id, ['COMPLETED', 'FAILED'], RUN_MS);
	await openLive(page, `/runs/${tasks.id}`);
	await expect(page.getByTestId('task-count')).toContainText('301 task runs · page 1 of 7');
	await page.getByRole('navigation', { name: 'Task run pages' }).getByRole('link', { name: 'Next' }).click();
	await expect(page).toHaveURL(/tpage=2/);
	await page.goto(`/runs/${tasks.id}?tpage=7#tasks`);
	await expect(page.getByTestId('task-row')).toHaveCount(1);

	await page.goto(`/runs/${tasks.id}?tstate=FAILED#tasks`);
	await expect(page.getByTestId('task-count')).toContainText('3 task runs matching');
	await expect(page.getByTestId('task-row')).toHaveCount(3);
	await page.goto(`/runs/${tasks.id}?tname=tiny-29#tasks`);
	await expect(page.getByTestId('task-row')).toHaveCount(10); // tiny-290 … tiny-299

	await page.goto(`/runs/${tasks.id}?tname=flaky#tasks`);
	await page.getByTestId('task-row').getByRole('link', { name: 'flaky' }).click();
	await expect(page).toHaveURL(/\/task-runs\/[0-9a-f-]{36}$/);
	await expect(page.getByTestId('task-attempts')).toContainText('2 (retries allowed: 2');
	await expect(page.getByText(/AwaitingRetry|Retrying/).first()).toBeVisible();
	await expect(page.getByTestId('log-line').filter({ hasText: 'flaky attempt 1' })).toHaveCount(1);
	await expect(page.getByTestId('task-inputs')).toContainText('value');
});

/**
 * A fan-out run that got both its runs created. Like most flows, the fixture does not retry: when Prefect's SQLite is
 * busy (the other fixtures write 1,000 log lines a second) its create_flow_run can be refused with 503 and the run
 * fails. Set-up then starts another, as Flowdeck's own writes retry a busy database.
 */
async function fanOutStarted(first: FlowRun): Promise<FlowRun> {
	const prefect = testPrefect();
	let run = first;
	for (let attempt = 1; ; attempt++) {
		const outcome = await waitFor(
			'the fan-out to start its two runs, or to end',
			async () => {
				if ((await prefect.flowRuns.children([run.id])).length >= 2) return 'started';
				return isFinalState((await prefect.flowRuns.get(run.id)).state_type) ? 'ended' : undefined;
			},
			RUN_MS,
			1000
		);
		if (outcome === 'started' || attempt === 3) return run;
		run = await start('fan-out', { parameters: { runs: 2, depth: 1 } });
	}
}

test('a fan-out of runs that are not Flowdeck tables counts "runs"', async ({ page }) => {
	test.setTimeout(testBudgetMs(RUN_MS * 4));
	const fanOut = await fanOutStarted((await fixtureRuns()).fanOut);
	await openLive(page, `/runs/${fanOut.id}`);
	// Live: the count appears once the fan-out has started its two runs (they need not finish).
	await expect(page.getByTestId('fanout-progress')).toContainText(/\d of 2 runs done/, { timeout: RUN_MS });
	await expect(page.getByTestId('fanout-progress')).not.toContainText('tables');
});

test.describe('the parameter form of a 30-parameter flow', () => {
	const path = async () => `/deployments/${(await testPrefect().deployments.byName('many-params', 'fixture')).id}`;

	test('shows defaults exactly, never a secret, and leaves untouched fields to the deployment', async ({ page }) => {
		test.setTimeout(testBudgetMs(RUN_MS));
		await openLive(page, await path());
		await expect(page.getByLabel(/^big/)).toHaveValue('1152921504606846976');
		await expect(page.getByLabel(/^p29/)).toHaveValue('9223372036854775807');
		await expect(page.getByLabel(/^token/)).toHaveValue('');
		await expect(page.getByLabel(/^token/)).toHaveAttribute('type', 'password');
		await expect(page.getByLabel(/^dry_run/)).toHaveValue('');
		await page.getByLabel(/^source/).fill('{"name": "warehouse", "limits": {"max_rows": 5}}');
		await page.getByRole('button', { name: 'Start run' }).click();
		await expect(page).toHaveURL(/\/runs\/[0-9a-f-]{36}$/);
		const run = await testPrefect().flowRuns.get(page.url().split('/').at(-1)!);
		// Only what was changed is sent: Prefect then applies the flow's own defaults (exact, secret, None).
		expect(run.parameters).toEqual({ source: { name: 'warehouse', limits: { max_rows: 5 } } });
		await waitForState(run.id, ['COMPLETED'], RUN_MS);
		const received = (await testPrefect().logs.filter({ logs: { flow_run_id: { any_: [run.id] } } })).find((log) => log.message.startsWith('received '));
		expect(JSON.parse(received!.message.slice('received '.length))).toMatchObject({ big: 1152921504606846976, token_is_default: true, dry_run: null });
		expect(received!.message).toContain('"big": 1152921504606846976');
	});

	test('checks nested models, schema bounds and 64-bit integers field by field, and starts nothing', async ({ page }) => {
		await openLive(page, await path());
		const before = await testPrefect().flowRuns.count({ flows: { name: { any_: ['many-params'] } } });
		await page.getByLabel(/^source/).fill('{"name": "warehouse"}');
		await page.getByLabel(/^retries/).fill('11');
		await page.getByLabel(/^big/).fill('99999999999999999999');
		await page.getByLabel(/^limits/).fill('{"max_rows": 0}');
		await page.getByRole('button', { name: 'Start run' }).click();
		await expect(page.getByTestId('field-source').getByTestId('field-error')).toHaveText('limits: required');
		await expect(page.getByTestId('field-retries').getByTestId('field-error')).toHaveText('Must be at most 10');
		await expect(page.getByTestId('field-big').getByTestId('field-error')).toContainText('between -9223372036854775808 and 9223372036854775807');
		await expect(page).toHaveURL(/\/deployments\//);
		// The per-field checks pass; the whole-schema check then finds the nested bound.
		await page.getByLabel(/^source/).fill('{"name": "warehouse", "limits": {"max_rows": 1}}');
		await page.getByLabel(/^retries/).fill('3');
		await page.getByLabel(/^big/).fill('5');
		await page.getByRole('button', { name: 'Start run' }).click();
		await expect(page.getByTestId('field-limits').getByTestId('field-error')).toHaveText('max_rows: must be >= 1');
		expect(await testPrefect().flowRuns.count({ flows: { name: { any_: ['many-params'] } } })).toBe(before);
	});
});

test('run lists survive a run Prefect cannot list (an integer past 64 bits) and name it', async ({ page }) => {
	// Such a run can only come from elsewhere now (Flowdeck refuses the value): made through the API.
	const prefect = testPrefect();
	const deployment = await prefect.deployments.byName('many-params', 'fixture');
	const scheduled = { type: 'SCHEDULED', state_details: { scheduled_time: new Date(Date.now() + 86_400_000).toISOString() } };
	const create = async (parameters: string) => {
		for (let attempt = 1; ; attempt++) {
			const response = await fetch(`${testApiUrl()}/deployments/${deployment.id}/create_flow_run`, {
				method: 'POST',
				headers: { 'content-type': 'application/json' },
				body: `{"parameters": ${parameters}, "state": ${JSON.stringify(scheduled)}, "tags": ["e2e-poison"]}`
			});
			// 503: Prefect's SQLite was busy and nothing was written; sent again, as the product's own writes are.
			if (response.status === 503 && attempt < 6) {
				await new Promise((resolve) => setTimeout(resolve, 500 * attempt));
				continue;
			}
			expect(response.ok, `create_flow_run answered ${response.status}`).toBe(true);
			return ((await response.json()) as { id: string }).id;
		}
	};
	const poison = await create('{"source": {"name": "p", "limits": {"max_rows": 1}}, "big": 99999999999999999999}');
	const healthy = await create('{"source": {"name": "h", "limits": {"max_rows": 1}}}');
	try {
		const listed = await fetch(`${testApiUrl()}/flow_runs/filter`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"flow_runs": {"tags": {"all_": ["e2e-poison"]}}}' });
		expect(listed.status, 'Prefect itself fails on the list').toBe(500);
		await openLive(page, '/runs?tag=e2e-poison');
		await expect(page.getByTestId('run-row')).toHaveCount(2);
		await expect(page.locator(`[data-run-id="${healthy}"]`)).toBeVisible();
		await expect(page.locator(`[data-run-id="${poison}"]`).getByTestId('parameter-overflow')).toContainText('big');
	} finally {
		for (const id of [poison, healthy]) await fetch(`${testApiUrl()}/flow_runs/${id}`, { method: 'DELETE' });
	}
});

test('the dashboard counts Paused and Cancelling runs, and /runs filters Late ones', async ({ page }) => {
	await openLive(page, '/');
	await expect(page.getByTestId('stat-paused')).toBeVisible();
	await expect(page.getByTestId('stat-cancelling')).toBeVisible();
	await expect(page.getByTestId('stat-late').getByRole('link')).toHaveAttribute('href', /state=LATE/);
	await openLive(page, '/runs');
	const late = page.getByTestId('runs-filter').getByRole('checkbox', { name: 'Late', exact: true });
	await late.check();
	await page.getByTestId('runs-filter').getByRole('button', { name: 'Apply' }).click();
	await expect(page).toHaveURL(/state=LATE/);
	await expect(late).toBeChecked();
});
