/** A run no one executes shows as stale (run page, run list) and is ended with Mark Crashed (the markAs action). */
import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import { expect, test } from '@playwright/test';
import { TABLE_CHILD } from '#lib/deployment-names.ts';
import { waitFor } from '../../scripts/lib/processes.ts';
import { seedPrefect, testPrefect } from '../helpers/stack.ts';
import { uniqueTag } from './seed.ts';
import { LAPTOP, openLive } from './shots.ts';

test.use({ viewport: LAPTOP });

/** A Running run whose process has ended with no one left to report it (what a worker killed with it leaves). */
async function orphanedRun(tag: string) {
	const prefect = testPrefect();
	const gone = spawn('true', { stdio: 'ignore' });
	await new Promise((resolvePromise) => gone.once('exit', resolvePromise));
	const flow = (await prefect.deployments.byName(TABLE_CHILD.flow, TABLE_CHILD.deployment)).flow_id;
	const run = await prefect.flowRuns.create(flow, { name: `e2e-orphan-${tag.slice(-8)}`, parameters: {}, tags: [tag] });
	await prefect.flowRuns.setState(run.id, { type: 'RUNNING', name: 'Running' }, true);
	await seedPrefect('PATCH', `/flow_runs/${run.id}`, { infrastructure_pid: `${hostname()}:${gone.pid}` });
	return run;
}

test('a run that goes stale while its page is open shows up there without a reload', async ({ page }) => {
	test.setTimeout(150_000);
	const tag = uniqueTag('stale-live');
	const run = await orphanedRun(tag);
	// A log line stamped ahead keeps it not yet quiet (FLOWDECK_STALE_AFTER_SECONDS is 5 s here) while the page loads.
	const quietFrom = new Date(Date.now() + 30_000).toISOString();
	await seedPrefect('POST', '/logs/', [{ name: 'e2e', level: 20, message: 'still working', timestamp: quietFrom, flow_run_id: run.id }]);

	await openLive(page, `/runs/${run.id}`);
	await expect(page.getByTestId('stale-runs')).toHaveCount(0);
	// Once quiet, the run's stream re-judges it and the panel appears in place.
	await expect(page.getByTestId('stale-run')).toContainText('no longer exists', { timeout: 120_000 });
	await expect(page.getByTestId('stale-runs')).toContainText('Mark Crashed');
	await testPrefect().flowRuns.setState(run.id, { type: 'CRASHED', name: 'Crashed' }, true);
});

test('a stale run is marked in the list and ended from its page after a confirmation', async ({ page }) => {
	test.setTimeout(120_000);
	const prefect = testPrefect();
	const tag = uniqueTag('stale');
	const run = await orphanedRun(tag);

	// Stale once quiet for FLOWDECK_STALE_AFTER_SECONDS (5 s in the test stack).
	await waitFor(
		'the run listed as stale',
		async () => {
			await openLive(page, `/runs?tag=${tag}`);
			return (await page.getByTestId('stale-mark').count()) === 1 ? true : undefined;
		},
		60_000,
		1000
	);
	await expect(page.getByTestId('stale-mark')).toHaveAttribute('title', /no longer exists/);

	await openLive(page, `/runs/${run.id}`);
	const stale = page.getByTestId('stale-runs');
	await expect(stale.getByTestId('stale-run')).toContainText('no longer exists');
	await stale.getByText('Mark Crashed…').click();
	await stale.getByLabel('Message').fill('its worker was killed');
	await stale.getByRole('button', { name: `Confirm: mark ${run.name} Crashed` }).click();

	await expect(page.getByTestId('form-message')).toHaveText(`Marked ${run.name} Crashed.`);
	const final = await prefect.flowRuns.get(run.id);
	expect(final.state_type).toBe('CRASHED');
	expect(final.state?.message).toBe('its worker was killed');
	await expect(page.getByTestId('stale-runs')).toHaveCount(0);
});
