/** /concurrency: create, change, see the holders of slots, reset and delete, each checked in Prefect. */
import { expect, test } from '@playwright/test';
import { isPrefectError } from '#lib/prefect/errors.ts';
import { testPrefect } from '../helpers/stack.ts';
import { seed, seedBudgetMs, uniqueTag, type Seeded } from './seed.ts';
import { LAPTOP, openLive, screenshot } from './shots.ts';

let seeded: Seeded;

/** 'not-found' when Prefect has no limit for the tag. */
const lookup = (tag: string) =>
	testPrefect()
		.concurrencyLimits.get(tag)
		.then(
			(limit) => limit,
			(error: unknown) => (isPrefectError(error, 'not-found') ? 'not-found' : Promise.reject(error))
		);

test.beforeAll(async () => {
	test.setTimeout(seedBudgetMs);
	seeded = await seed();
});

test.use({ viewport: LAPTOP });

test('create, change, reset and delete a tag limit', async ({ page }) => {
	const prefect = testPrefect();
	const tag = uniqueTag('limit');
	await openLive(page, '/concurrency');

	const create = page.getByRole('form', { name: 'Create or change a limit' });
	await create.getByLabel('Tag').fill(tag);
	await create.getByLabel('Limit').fill('two');
	await create.getByRole('button', { name: 'Save limit' }).click();
	await expect(page.getByTestId('form-message')).toContainText('whole number');
	expect(await lookup(tag)).toBe('not-found');

	await create.getByLabel('Limit').fill('2');
	await create.getByRole('button', { name: 'Save limit' }).click();
	await expect(page.getByTestId('form-message')).toHaveText(`Limit for tag "${tag}" is now 2.`);
	expect((await prefect.concurrencyLimits.get(tag)).concurrency_limit).toBe(2);

	const card = page.getByRole('region', { name: `Limit ${tag}` });
	// A change made outside Flowdeck shows once Flowdeck's shared reads expire (FLOWDECK_SHARED_READ_MS, 1 s).
	const reloadUntilSlots = (text: string) =>
		expect(async () => {
			await page.reload();
			await expect(card.getByTestId('slots')).toHaveText(text, { timeout: 2000 });
		}).toPass({ timeout: 30_000 });
	await card.getByLabel('New limit').fill('5');
	await card.getByRole('button', { name: 'Change' }).click();
	await expect(card.getByTestId('slots')).toHaveText('0 of 5 slots in use');
	expect((await prefect.concurrencyLimits.get(tag)).concurrency_limit).toBe(5);

	// A task run of the seeded run holds a slot (set through Prefect's own reset-with-override).
	const [task] = await prefect.taskRuns.filter({ flow_runs: { id: { any_: [seeded.completed.id] } }, limit: 1 });
	await prefect.concurrencyLimits.reset(tag, [task!.id]);
	await reloadUntilSlots('1 of 5 slots in use');
	await expect(card.getByTestId('slot-holder').getByRole('link', { name: task!.name })).toHaveAttribute('href', `/runs/${seeded.completed.id}`);
	// That task run is final: its slot leaked. Releasing leaked slots frees it and only it.
	await expect(card.getByTestId('slot-leaked')).toHaveText('leaked');
	await screenshot(page, 'concurrency');
	await card.getByRole('button', { name: 'Release 1 leaked' }).click();
	await expect(page.getByTestId('form-message')).toHaveText(`Released 1 leaked slot of tag "${tag}"; live holders keep theirs.`);
	expect((await prefect.concurrencyLimits.get(tag)).active_slots).toEqual([]);
	await prefect.concurrencyLimits.reset(tag, [task!.id]);
	await reloadUntilSlots('1 of 5 slots in use');

	await card.getByText('Reset…').click();
	await card.getByRole('button', { name: `Confirm reset of ${tag}` }).click();
	await expect(page.getByTestId('form-message')).toHaveText(`Released every slot of tag "${tag}".`);
	expect((await prefect.concurrencyLimits.get(tag)).active_slots).toEqual([]);

	await card.getByText('Delete…').click();
	await card.getByRole('button', { name: `Confirm delete of ${tag}` }).click();
	await expect(page.getByTestId('form-message')).toHaveText(`Deleted the limit for tag "${tag}".`);
	await expect(card).toHaveCount(0);
	expect(await lookup(tag)).toBe('not-found');
});
