/**
 * The run page is live (Server-Sent Events) on the real stack: a distributed ETL triggered from the UI is watched
 * to the end without a reload; a failing table shows up and the run ends Failed; a cut stream resumes without
 * losing or repeating a log line; Prefect becoming unreachable shows, and the page recovers when it is back.
 */
import { expect, test, type Page } from '@playwright/test';
import { ORCHESTRATOR } from '#lib/deployment-names.ts';
import { loadRunTree } from '#lib/server/run-tree.ts';
import { startCountingProxy } from '../helpers/counting-proxy.ts';
import { startFlowdeck, type FlowdeckServer } from '../helpers/flowdeck.ts';
import { testApiUrl, testPrefect, waitForFinalTree } from '../helpers/stack.ts';
import { runBudgetMs, testBudgetMs } from '../helpers/timing.ts';
import { startFanOut } from './seed.ts';
import { LAPTOP, openLive } from './shots.ts';

test.use({ viewport: LAPTOP });

/** Records, inside the page, every value the fan-out progress and the log line count take. */
async function recordProgress(page: Page) {
	await page.evaluate(() => {
		const seen = { done: [] as number[], logLines: [] as number[], reloaded: false };
		(window as unknown as { seen: typeof seen }).seen = seen;
		const sample = () => {
			const bar = document.querySelector('[data-testid="fanout-progress"]');
			const done = bar ? Number(bar.getAttribute('data-done')) : -1;
			if (done >= 0 && seen.done.at(-1) !== done) seen.done.push(done);
			const lines = document.querySelectorAll('[data-testid="log-line"]').length;
			if (seen.logLines.at(-1) !== lines) seen.logLines.push(lines);
		};
		new MutationObserver(sample).observe(document.body, { subtree: true, childList: true, attributes: true });
		sample();
	});
}

const recorded = (page: Page) => page.evaluate(() => (window as unknown as { seen: { done: number[]; logLines: number[] } }).seen);

const SIX = { tables: 6, seconds: 2 };
const FOUR = { tables: 4, seconds: 1 };

test('a distributed ETL triggered from the UI is watched to Completed 6/6, live, without a reload', async ({ page }) => {
	test.setTimeout(testBudgetMs(runBudgetMs(SIX)));
	const deployment = await testPrefect().deployments.byName(ORCHESTRATOR.flow, ORCHESTRATOR.deployment);
	const streams: string[] = [];
	page.on('request', (request) => request.url().includes('/events') && streams.push(request.url()));
	await openLive(page, `/deployments/${deployment.id}`);
	await page.getByLabel(/^tables/).fill('6');
	await page.getByLabel(/^seconds/).fill('2');
	await page.getByLabel(/^fail_tables/).fill('');
	await page.getByRole('button', { name: 'Start run' }).click();
	await expect(page).toHaveURL(/\/runs\/[0-9a-f-]{36}$/);
	await expect(page.getByTestId('live-status')).toHaveAttribute('data-status', 'live');
	await recordProgress(page);

	await expect(page.getByRole('heading', { level: 1 }).locator('..').getByText('Running')).toBeVisible({ timeout: runBudgetMs({ tables: 0, seconds: 0 }) });
	await expect(page.getByTestId('run-finished')).toContainText('Completed', { timeout: runBudgetMs(SIX) });
	await expect(page.getByTestId('fanout-progress')).toHaveAttribute('data-done', '6');
	await expect(page.getByTestId('fanout-progress')).toContainText('6 of 6 tables done');
	await expect(page).toHaveTitle(/^✓ Completed/);

	const seen = await recorded(page);
	expect(seen, 'the page was never reloaded: its recorder survived').toBeTruthy();
	expect(
		seen.done.some((done) => done > 0 && done < 6),
		`progress advanced through ${seen.done.join(' → ')}`
	).toBe(true);
	expect([...seen.done].sort((a, b) => a - b)).toEqual(seen.done);
	expect(seen.logLines.at(-1)!).toBeGreaterThan(seen.logLines[0]!);
	await expect(page.getByTestId('log-line').filter({ hasText: 'querying table 6' })).toHaveCount(1);
	// The stream ends once the tree has been final for 12 s (late worker lines), at the poller's idle pace.
	await expect(page.getByTestId('live-status')).toHaveAttribute('data-status', 'ended', { timeout: 60_000 });
	expect(
		streams.filter((url) => url.includes('/runs/')),
		'one stream for the whole run: updates never reconnect it'
	).toHaveLength(1);
});

test('a failing table shows as a failed child and the run ends Failed', async ({ page }) => {
	test.setTimeout(testBudgetMs(runBudgetMs(FOUR)));
	const run = await startFanOut({ ...FOUR, fail_tables: [3] });
	await openLive(page, `/runs/${run.id}`);
	await expect(page.getByTestId('run-finished')).toContainText('Failed', { timeout: runBudgetMs(FOUR) });
	const failedTable = page.locator('[data-testid="tree-node"][data-run-name="table-003"]');
	await expect(failedTable.getByText('Failed').first()).toBeVisible();
	await expect(page.getByTestId('progress-failed')).toContainText('1 failed');
	await expect(page.getByTestId('state-message')).toContainText('1 of 4 tables failed: 3');
	await expect(page).toHaveTitle(/^✗ Failed/);
	await expect(page.getByRole('button', { name: 'Retry 1 failed child' })).toBeVisible();
	await expect(page.getByRole('button', { name: 'Re-run failed as new runs' })).toBeVisible();
});

test('a stream cut mid-run resumes: no log line lost, none repeated', async ({ page }) => {
	test.setTimeout(testBudgetMs(runBudgetMs(SIX)));
	const env = { PREFECT_API_URL: testApiUrl() };
	let flowdeck: FlowdeckServer = await startFlowdeck(env);
	try {
		const run = await startFanOut({ ...SIX, fail_tables: [] });
		await openLive(page, `${flowdeck.url}/runs/${run.id}`);
		await expect(page.getByTestId('live-status')).toHaveAttribute('data-status', 'live');
		await expect(page.getByTestId('log-line').filter({ hasText: 'querying table' }).first()).toBeVisible({ timeout: runBudgetMs(SIX) });

		// Cut: the server goes away mid-run; the browser keeps trying (retry: 3 s) and resumes on the new one.
		const port = Number(new URL(flowdeck.url).port);
		await flowdeck.stop();
		await expect(page.getByTestId('live-status')).toHaveAttribute('data-status', 'reconnecting');
		flowdeck = await startFlowdeck(env, port);
		await expect(page.getByTestId('live-status')).toHaveAttribute('data-status', /live|ended/, { timeout: 30_000 });
		await expect(page.getByTestId('run-finished')).toContainText('Completed', { timeout: runBudgetMs(SIX) });
		// The lines come every few seconds and the last worker lines after the end: all are in when the stream ends.
		await expect(page.getByTestId('live-status')).toHaveAttribute('data-status', 'ended', { timeout: 60_000 });

		const tree = await waitForFinalTree(run.id, runBudgetMs(SIX));
		const ids = [tree.root.id, ...tree.levels.flat().map((child) => child.id)];
		const inPrefect = await testPrefect().logs.filterAll({ logs: { flow_run_id: { any_: ids } }, sort: 'TIMESTAMP_ASC' });
		const onPage = await page.getByTestId('log-line').evaluateAll((lines) => lines.map((line) => line.getAttribute('data-log-id')));
		expect(new Set(onPage).size, 'no line appears twice').toBe(onPage.length);
		const known = new Set(inPrefect.map((log) => log.id));
		expect(onPage.every((id) => known.has(id!))).toBe(true);
		const end = Date.parse((await loadRunTree(testPrefect(), run.id)).root.end_time!);
		const missing = inPrefect.filter((log) => Date.parse(log.timestamp) < end && !onPage.includes(log.id));
		expect(
			missing.map((log) => log.message),
			'every line logged before the run ended is on the page'
		).toEqual([]);
	} finally {
		await flowdeck.stop();
	}
});

test('Prefect becoming unreachable shows on the page, which recovers when it is back', async ({ page }) => {
	const run4x2 = { tables: 4, seconds: 2 };
	test.setTimeout(testBudgetMs(runBudgetMs(run4x2)));
	// The proxy stands for the Prefect server as Flowdeck sees it: closing it refuses every connection.
	const upstream = new URL(testApiUrl());
	const { freePort } = await import('../../scripts/lib/processes.ts');
	const port = await freePort();
	let proxy = await startCountingProxy(upstream.origin, port);
	const flowdeck = await startFlowdeck({ PREFECT_API_URL: `${proxy.url}/api`, FLOWDECK_READ_RETRIES: '0' });
	try {
		const run = await startFanOut({ ...run4x2, fail_tables: [] });
		await openLive(page, `${flowdeck.url}/runs/${run.id}`);
		await expect(page.getByTestId('live-status')).toHaveAttribute('data-status', 'live');
		await proxy.close();
		await expect(page.getByTestId('live-status')).toHaveAttribute('data-status', 'unreachable', { timeout: 30_000 });
		await expect(page.getByTestId('live-status')).toContainText('Prefect unreachable');
		proxy = await startCountingProxy(upstream.origin, port);
		await expect(page.getByTestId('live-status')).not.toHaveAttribute('data-status', 'unreachable', { timeout: 60_000 });
		await expect(page.getByTestId('run-finished')).toContainText('Completed', { timeout: runBudgetMs(run4x2) });
		await expect(page.getByTestId('fanout-progress')).toHaveAttribute('data-done', '4');
	} finally {
		await flowdeck.stop();
		await proxy.close();
	}
});
