/**
 * A person signs in on /login, browses and signs out, in real Chromium, against its own Flowdeck server in
 * per-user workbench mode behind the real gateway (shape b: 302 + two cookies + API key).
 */
import { expect, test } from '@playwright/test';
import { startFlowdeck, type FlowdeckServer } from '../helpers/flowdeck.ts';
import { startGateway, type Gateway } from '../helpers/gateway.ts';
import { testApiUrl } from '../helpers/stack.ts';

const apiKey = 'flowdeck-e2e-key-77';
let gateway: Gateway;
let flowdeck: FlowdeckServer;

test.beforeAll(async () => {
	gateway = await startGateway({ shape: 'b', upstreamApiUrl: testApiUrl(), users: { alice: 'alice-Secret-1' }, apiKey });
	flowdeck = await startFlowdeck({
		PREFECT_API_URL: gateway.apiUrl,
		PREFECT_API_KEY: apiKey,
		WORKBENCH_LOGIN_URL: gateway.loginUrl,
		WORKBENCH_LOGOUT_URL: gateway.logoutUrl,
		WORKBENCH_USERNAME_FIELD: gateway.usernameField,
		WORKBENCH_PASSWORD_FIELD: gateway.passwordField
	});
});
test.afterAll(async () => {
	await flowdeck?.stop();
	await gateway?.stop();
});

test('a user signs in on /login, browses, and signs out', async ({ page, context }) => {
	await page.goto(`${flowdeck.url}/?tab=pools`);
	await expect(page).toHaveURL(`${flowdeck.url}/login?next=%2F%3Ftab%3Dpools`);
	await expect(page.getByTestId('auth-mode')).toHaveText('auth: workbench sign-in (per user) + API key');

	await page.getByLabel('Username').fill('alice');
	await page.getByLabel('Password').fill('wrong');
	await page.getByRole('button', { name: 'Sign in' }).click();
	await expect(page.getByRole('alert')).toHaveText('The workbench refused this username or password.');

	await page.getByLabel('Password').fill('alice-Secret-1');
	await page.getByRole('button', { name: 'Sign in' }).click();
	await expect(page).toHaveURL(`${flowdeck.url}/?tab=pools`);
	await expect(page.getByRole('heading', { name: 'Dashboard' })).toBeVisible();
	await expect(page.getByTestId('server-version')).toHaveText('2.13.7');
	await expect(page.getByRole('region', { name: 'Work pool default-pool' })).toBeVisible();
	await expect(page.getByTestId('signed-in-user')).toHaveText('alice');

	// The browser holds only Flowdeck's own opaque, HttpOnly cookie.
	const cookies = await context.cookies();
	expect(cookies.map((cookie) => cookie.name)).toEqual(['flowdeck-session']);
	expect(cookies[0]).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });

	// Browsing: a client-side navigation (data request) and a reload keep the session.
	await page.getByRole('link', { name: 'Dashboard' }).click();
	await expect(page).toHaveURL(`${flowdeck.url}/`);
	await page.reload();
	await expect(page.getByTestId('server-version')).toHaveText('2.13.7');

	await page.getByRole('button', { name: 'Sign out' }).click();
	await expect(page).toHaveURL(`${flowdeck.url}/login?signed-out`);
	await expect(page.getByRole('status')).toHaveText('You have signed out.');
	expect(await context.cookies()).toEqual([]);
	await page.goto(`${flowdeck.url}/`);
	await expect(page).toHaveURL(`${flowdeck.url}/login`);
});

/** Signs in on /login in `page`, coming back to `next`. */
async function signIn(page: import('@playwright/test').Page, next: string) {
	await page.goto(`${flowdeck.url}/login?next=${encodeURIComponent(next)}`);
	await page.getByLabel('Username').fill('alice');
	await page.getByLabel('Password').fill('alice-Secret-1');
	await page.getByRole('button', { name: 'Sign in' }).click();
	// The URL changes once the page signed in to has loaded: on a loaded machine that can take a while.
	await expect(page).toHaveURL(`${flowdeck.url}${next}`, { timeout: 60_000 });
}

test('live pages go to /login, back to themselves, when the workbench ends the session or another tab signs out', async ({ context }) => {
	const dashboard = await context.newPage();
	await signIn(dashboard, '/');
	const runs = await context.newPage();
	await runs.goto(`${flowdeck.url}/runs?state=COMPLETED`);
	await expect(runs.getByTestId('live-status')).toHaveAttribute('data-status', 'live', { timeout: 30_000 });
	await expect(dashboard.getByTestId('live-status')).toHaveAttribute('data-status', 'live', { timeout: 30_000 });

	// The workbench ends every session: both open streams say so, and each page goes to /login with its own URL.
	await gateway.endSessions();
	// (`/`, the default place after signing in, needs no next.)
	for (const [page, login] of [
		[dashboard, '/login?expired=workbench'],
		[runs, '/login?next=%2Fruns%3Fstate%3DCOMPLETED&expired=workbench']
	] as const) {
		await expect(page).toHaveURL(`${flowdeck.url}${login}`, { timeout: 60_000 });
		await expect(page.getByRole('status')).toHaveText('Your workbench session expired. Sign in again to continue.');
	}

	// Signed in again in one tab; signing out in another ends the first tab's stream with Flowdeck's own message.
	await signIn(dashboard, '/');
	await expect(dashboard.getByTestId('live-status')).toHaveAttribute('data-status', 'live', { timeout: 30_000 });
	await runs.goto(`${flowdeck.url}/runs`);
	await runs.getByRole('button', { name: 'Sign out' }).click();
	await expect(runs).toHaveURL(`${flowdeck.url}/login?signed-out`);
	await expect(dashboard).toHaveURL(`${flowdeck.url}/login?expired=flowdeck`, { timeout: 60_000 });
	await expect(dashboard.getByRole('status')).toHaveText(/Your Flowdeck session ended \(signed out, or no activity for \d+ minutes\)/);
});
