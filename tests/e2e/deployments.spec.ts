/** The trigger form: bad input never reaches Prefect; good input creates the run and opens it. */
import { expect, test } from '@playwright/test';
import { TASK_PARALLEL } from '#lib/deployment-names.ts';
import { testPrefect } from '../helpers/stack.ts';
import { uniqueTag } from './seed.ts';
import { LAPTOP, openLive, screenshot } from './shots.ts';

test.use({ viewport: LAPTOP });

async function openForm(page: import('@playwright/test').Page) {
	const deployment = await testPrefect().deployments.byName(TASK_PARALLEL.flow, TASK_PARALLEL.deployment);
	await openLive(page, `/deployments/${deployment.id}`);
	return deployment;
}

const runsOf = (deploymentId: string) => testPrefect().flowRuns.count({ deployments: { id: { any_: [deploymentId] } } });

test('the form is generated from the schema and prefilled with the defaults', async ({ page }) => {
	const deployment = await openForm(page);
	const schema = deployment.parameter_openapi_schema as { properties: Record<string, { default?: unknown }> };
	await expect(page.getByLabel(/^tables/)).toHaveValue(String(deployment.parameters.tables ?? schema.properties.tables?.default));
	await expect(page.getByLabel(/^seconds/)).toHaveValue(String(deployment.parameters.seconds ?? schema.properties.seconds?.default));
	await expect(page.getByLabel(/^fail_tables/)).toHaveValue('');
	await expect(page.getByText('list of integers, comma-separated')).toBeVisible();
});

test('bad input gets a message per field and creates no run', async ({ page }) => {
	const deployment = await openForm(page);
	const before = await runsOf(deployment.id);
	await page.getByLabel(/^tables/).fill('lots');
	await page.getByLabel(/^seconds/).fill('-');
	await page.getByLabel(/^fail_tables/).fill('1, two');
	await page.getByLabel('Start at (optional)').fill('2001-01-01T00:00');
	await page.getByRole('button', { name: 'Start run' }).click();

	await expect(page.getByTestId('form-message')).toContainText('Some values are not valid');
	await expect(page.getByTestId('field-tables').getByTestId('field-error')).toHaveText('Enter a whole number');
	await expect(page.getByTestId('field-seconds').getByTestId('field-error')).toHaveText('Enter a number');
	await expect(page.getByTestId('field-fail_tables').getByTestId('field-error')).toContainText('"two" is not a whole number');
	await expect(page.locator('#run-start-error')).toContainText('future');
	// What was typed stays, to be corrected.
	await expect(page.getByLabel(/^tables/)).toHaveValue('lots');
	await expect(page.getByLabel(/^tables/)).toHaveAttribute('aria-invalid', 'true');
	await screenshot(page, 'trigger-errors');
	expect(await runsOf(deployment.id)).toBe(before);
});

test('good input creates the run with those values and lands on its page', async ({ page }) => {
	const prefect = testPrefect();
	await openForm(page);
	const tag = uniqueTag('trigger');
	const name = `e2e-trigger-${tag.slice(-8)}`;
	await page.getByLabel(/^tables/).fill('2');
	await page.getByLabel(/^seconds/).fill('0.5');
	await page.getByLabel(/^fail_tables/).fill('2');
	await page.getByLabel('Run name (optional)').fill(name);
	await page.getByLabel('Tags (optional)').fill(`${tag}, e2e`);
	await page.getByRole('button', { name: 'Start run' }).click();

	await expect(page).toHaveURL(/\/runs\/[0-9a-f-]{36}$/);
	const run = await prefect.flowRuns.get(page.url().split('/').pop()!);
	expect(run.parameters).toEqual({ tables: 2, seconds: 0.5, fail_tables: [2] });
	expect(run.tags).toEqual(expect.arrayContaining([tag, 'e2e']));
	expect(run.name).toBe(name);
	await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
});

test('a start time schedules the run for then', async ({ page }) => {
	const prefect = testPrefect();
	await openForm(page);
	const at = new Date(Date.now() + 2 * 86_400_000);
	at.setSeconds(0, 0);
	// datetime-local wants the browser's wall time.
	const local = await page.evaluate((iso) => {
		const date = new Date(iso);
		const pad = (n: number) => String(n).padStart(2, '0');
		return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
	}, at.toISOString());
	await page.getByLabel('Start at (optional)').fill(local);
	await page.getByRole('button', { name: 'Start run' }).click();
	await expect(page).toHaveURL(/\/runs\/[0-9a-f-]{36}$/);
	const run = await prefect.flowRuns.get(page.url().split('/').pop()!);
	expect(run.state_type).toBe('SCHEDULED');
	expect(Date.parse(run.expected_start_time!)).toBe(at.getTime());
	await prefect.flowRuns.setState(run.id, { type: 'CANCELLED' }, true);
	await screenshot(page, 'trigger-scheduled');
});
