/** The dashboard and /runs update live (Server-Sent Events): new runs and state changes appear without a reload. */
import { expect, test, type Page } from '@playwright/test';
import { TASK_PARALLEL } from '#lib/deployment-names.ts';
import { testPrefect } from '../helpers/stack.ts';
import { startTaskParallel, tomorrow, uniqueTag } from './seed.ts';
import { LAPTOP, openLive } from './shots.ts';

test.use({ viewport: LAPTOP });

/** Opens the page, waits for its stream, and marks the document: the mark is gone if the page ever reloads. */
async function openStreaming(page: Page, url: string): Promise<void> {
	await openLive(page, url);
	await expect(page.getByTestId('live-status')).toHaveAttribute('data-status', 'live');
	await expect(page.getByRole('status').filter({ hasText: 'Live' })).toBeVisible();
	await page.evaluate(() => document.documentElement.setAttribute('data-not-reloaded', ''));
}

const notReloaded = (page: Page) => expect(page.locator('html[data-not-reloaded]')).toHaveCount(1);

test('/runs shows a new run and a state change live, keeping the selection and the unapplied filters', async ({ page }) => {
	const prefect = testPrefect();
	const tag = uniqueTag('live');
	const first = await startTaskParallel({ tables: 1, seconds: 1 }, { tags: [tag], state: tomorrow() });
	await openStreaming(page, `/runs?tag=${tag}`);
	await expect(page.getByTestId('run-row')).toHaveCount(1);
	await page.getByRole('checkbox', { name: `Select ${first.name}` }).check();
	const filters = page.getByRole('form', { name: 'Filter runs' });
	await filters.getByLabel('Flow', { exact: true }).selectOption({ label: TASK_PARALLEL.flow });
	const flowChoice = await filters.getByLabel('Flow', { exact: true }).inputValue();

	const second = await startTaskParallel({ tables: 1, seconds: 1 }, { tags: [tag], state: tomorrow() });
	await expect(page.getByTestId('run-row')).toHaveCount(2);
	await expect(page.getByRole('link', { name: second.name })).toBeVisible();
	await expect(page.getByTestId('runs-total')).toContainText('2 runs');
	await expect(page.getByRole('checkbox', { name: `Select ${first.name}` })).toBeChecked();
	await expect(page.getByRole('checkbox', { name: `Select ${second.name}` })).not.toBeChecked();
	await expect(page.getByRole('button', { name: 'Cancel selected (1)' })).toBeVisible();
	await expect(filters.getByLabel('Flow', { exact: true })).toHaveValue(flowChoice);

	await prefect.flowRuns.setState(second.id, { type: 'CANCELLED', name: 'Cancelled' }, true);
	const secondRow = page.locator(`[data-testid="run-row"][data-run-id="${second.id}"]`);
	await expect(secondRow.getByTestId('state-badge')).toHaveAttribute('data-state', 'CANCELLED');
	await expect(page.locator(`[data-testid="run-row"][data-run-id="${first.id}"]`).getByTestId('state-badge')).toHaveAttribute('data-state', 'SCHEDULED');
	await expect(page).toHaveURL(`/runs?tag=${tag}`);
	await notReloaded(page);

	await prefect.flowRuns.setState(first.id, { type: 'CANCELLED', name: 'Cancelled' }, true); // leave nothing scheduled
});

test('the dashboard counts a new run and its state change live', async ({ page }) => {
	const prefect = testPrefect();
	const count = async (state: string) => Number(await page.getByTestId(`stat-${state}`).locator('.text-2xl').textContent());
	await openStreaming(page, '/');
	const before = { total: await count('total'), cancelled: await count('cancelled') };

	const flow = await prefect.flows.create('e2e-live-dashboard');
	const run = await prefect.flowRuns.create(flow.id, { name: `live-${uniqueTag('dashboard')}`, state: { type: 'RUNNING', name: 'Running' } });
	// Other specs' runs may finish meanwhile: counts only grow by at least ours.
	await expect.poll(() => count('total')).toBeGreaterThanOrEqual(before.total + 1);
	await expect.poll(() => count('running')).toBeGreaterThanOrEqual(1);

	await prefect.flowRuns.setState(run.id, { type: 'CANCELLED', name: 'Cancelled' }, true);
	await expect.poll(() => count('cancelled')).toBeGreaterThanOrEqual(before.cancelled + 1);
	await notReloaded(page);
});
