import { expect, test } from '@playwright/test';

test('the overview shows the live server, its work pool and online workers', async ({ page }) => {
	await page.goto('/');
	await expect(page.getByRole('heading', { name: 'Overview' })).toBeVisible();
	await expect(page.getByTestId('reachability')).toHaveText(/Reachable/);
	await expect(page.getByTestId('server-version')).toHaveText('2.13.7');
	const pool = page.getByRole('region', { name: 'Work pool default-pool' });
	await expect(pool).toBeVisible();
	await expect(pool.getByTestId('worker').filter({ hasText: 'ONLINE' })).toHaveCount(2);
});

test('healthz reports the app and Prefect', async ({ request }) => {
	const response = await request.get('/healthz');
	expect(response.ok()).toBe(true);
	const body = await response.json();
	expect(body).toMatchObject({ status: 'ok', prefect: { reachable: true, version: '2.13.7' } });
});
