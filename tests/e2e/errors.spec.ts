/**
 * With Prefect unreachable, pages explain it and offer a retry, never a stack trace: a second UI server (the same
 * build) is started against a port nothing listens on.
 */
import { expect, test } from '@playwright/test';
import { freePort, start, waitFor, type Managed } from '../../scripts/lib/processes.ts';
import { repoRoot } from '../../scripts/lib/python.ts';
import { screenshot } from './shots.ts';

let ui: Managed | undefined;
let baseUrl = '';

test.beforeAll(async () => {
	const [port, deadPort] = [await freePort(), await freePort()];
	baseUrl = `http://127.0.0.1:${port}`;
	ui = start(process.execPath, ['scripts/serve.ts'], {
		cwd: repoRoot,
		env: { PORT: String(port), PREFECT_API_URL: `http://127.0.0.1:${deadPort}/api`, FLOWDECK_READ_RETRIES: '0', FLOWDECK_REQUEST_TIMEOUT_MS: '2000' },
		quiet: true
	});
	await waitFor('the second UI server', async () => ((await fetch(`${baseUrl}/healthz`).catch(() => null))?.status ? true : undefined), 30_000);
});

test.afterAll(async () => {
	await ui?.stop();
});

test('the dashboard says Prefect is unreachable, with a retry', async ({ page }) => {
	await page.goto(`${baseUrl}/`);
	await expect(page.getByTestId('reachability')).toHaveText(/Unreachable/);
	await expect(page.getByRole('alert')).toContainText('Prefect is unreachable');
	await expect(page.getByRole('link', { name: 'Retry' })).toBeVisible();
	await screenshot(page, 'unreachable', false);
});

test('other pages answer 503 with an explanation and a retry', async ({ page }) => {
	for (const path of ['/runs', '/flows', '/runs/00000000-0000-4000-8000-000000000000', '/concurrency']) {
		const response = await page.goto(`${baseUrl}${path}`);
		expect(response?.status(), path).toBe(503);
		await expect(page.getByRole('alert')).toContainText('Prefect is unreachable');
		await expect(page.getByRole('link', { name: 'Retry' })).toHaveAttribute('href', path);
		await expect(page.locator('body')).not.toContainText(/at \w+ \(|node_modules|\.ts:\d+/);
	}
});
