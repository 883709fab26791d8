import { expect, test } from '@playwright/test';

test('the overview shows the live server, its work pool and online workers', async ({ page }) => {
	await page.goto('/');
	await expect(page.getByRole('heading', { name: 'Overview' })).toBeVisible();
	await expect(page.getByTestId('reachability')).toHaveText(/Reachable/);
	await expect(page.getByTestId('server-version')).toHaveText('2.13.7');
	const pool = page.getByRole('region', { name: 'Work pool default-pool' });
	await expect(pool).toBeVisible();
	// The stack's two workers (other tests may add workers of their own to the pool).
	for (const name of ['worker-1', 'worker-2']) {
		await expect(pool.getByTestId('worker').filter({ hasText: name })).toContainText('ONLINE');
	}
});

test('healthz reports the app and Prefect', async ({ request }) => {
	const response = await request.get('/healthz');
	expect(response.ok()).toBe(true);
	const body = await response.json();
	expect(body).toMatchObject({ status: 'ok', prefect: { reachable: true, version: '2.13.7' } });
});
