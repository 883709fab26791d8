/**
 * Any number of tabs: twelve tabs of one browser, each on its own running run, all get their page; streams of
 * hidden tabs pause and the browser's tabs share a few stream slots, so the browser's six connections per origin
 * are never all held by streams. Headless Chromium reports every tab visible, so the hidden ones are emulated
 * (the document says hidden, as a background tab's does).
 */
import { expect, test, type BrowserContext, type Page } from '@playwright/test';
import { STREAM_SLOTS } from '#lib/live/stream.ts';
import { testPrefect } from '../helpers/stack.ts';
import { uniqueTag } from './seed.ts';

const TABS = 12;

async function runningRuns(what: string): Promise<string[]> {
	const prefect = testPrefect();
	const flow = await prefect.flows.create('e2e-tabs');
	const tag = uniqueTag(what);
	const runs = [];
	for (let i = 0; i < TABS; i++) runs.push(await prefect.flowRuns.create(flow.id, { name: `${tag}-${i}`, tags: [tag], state: { type: 'RUNNING', name: 'Running' } }));
	return runs.map((run) => run.id);
}

const cancelAll = (ids: string[]) =>
	Promise.all(
		ids.map((id) =>
			testPrefect()
				.flowRuns.setState(id, { type: 'CANCELLED', name: 'Cancelled' }, true)
				.catch(() => undefined)
		)
	);

/** Opens every run in its own tab of `context`, all at once, without waiting for one before the next. */
async function openTabs(context: BrowserContext, ids: string[], hidden: (index: number) => boolean): Promise<Page[]> {
	const pages = await Promise.all(ids.map(() => context.newPage()));
	await Promise.all(
		pages.map(async (page, index) => {
			if (hidden(index)) {
				await page.addInitScript(() => {
					Object.defineProperty(document, 'hidden', { get: () => true });
					Object.defineProperty(document, 'visibilityState', { get: () => 'hidden' });
				});
			}
			await page.goto(`/runs/${ids[index]}`);
		})
	);
	return pages;
}

test('twelve tabs, one visible: every page loads, hidden streams pause, the visible one is live', async ({ context }) => {
	const ids = await runningRuns('hidden');
	try {
		const visible = TABS - 1;
		const pages = await openTabs(context, ids, (index) => index !== visible);
		for (const page of pages) await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
		for (const [index, page] of pages.entries()) {
			await expect(page.getByTestId('live-status')).toHaveAttribute('data-status', index === visible ? 'live' : 'paused');
		}
		const shown = pages[visible]!;
		await testPrefect().flowRuns.setState(ids[visible]!, { type: 'COMPLETED', name: 'Completed' }, true);
		await expect(shown.getByRole('heading', { level: 1 }).locator('..').getByTestId('state-badge').first()).toHaveAttribute('data-state', 'COMPLETED', { timeout: 30_000 });
		await Promise.all(pages.map((page) => page.close()));
	} finally {
		await cancelAll(ids);
	}
});

test('twelve visible tabs: every page loads, a few stream and the rest wait for a slot', async ({ context }) => {
	const ids = await runningRuns('visible');
	try {
		const pages = await openTabs(context, ids, () => false);
		for (const page of pages) await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
		const statuses = () => Promise.all(pages.map((page) => page.getByTestId('live-status').getAttribute('data-status')));
		await expect.poll(async () => (await statuses()).filter((status) => status === 'live').length, { timeout: 30_000 }).toBe(STREAM_SLOTS);
		expect((await statuses()).filter((status) => status === 'waiting')).toHaveLength(TABS - STREAM_SLOTS);

		// A tab that goes away frees its slot for a waiting one; the pages still answer meanwhile.
		const live = (await statuses()).indexOf('live');
		await pages[live]!.close();
		const rest = pages.filter((_, index) => index !== live);
		await expect
			.poll(async () => (await Promise.all(rest.map((page) => page.getByTestId('live-status').getAttribute('data-status')))).filter((status) => status === 'live').length, { timeout: 30_000 })
			.toBe(STREAM_SLOTS);
		await rest[0]!.reload();
		await expect(rest[0]!.getByRole('heading', { level: 1 })).toBeVisible();
		await Promise.all(rest.map((page) => page.close()));
	} finally {
		await cancelAll(ids);
	}
});
