/**
 * Upstream session expiry through the real gateway (short, sliding SessionMaxAge): a signed-in user lands on
 * /login with the message and comes back to their page; the service account signs in again, once for all
 * concurrent requests.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep } from '../../scripts/lib/processes.ts';
import { startGateway, type Gateway } from '../helpers/gateway.ts';
import { header, startFlowdeck, Visitor, type FlowdeckServer } from '../helpers/flowdeck.ts';
import { testApiUrl, testServerVersion } from '../helpers/stack.ts';

const maxAgeSeconds = 6;
/** Waits until the gateway's sessions have expired; nothing is measured. */
const outliveUpstreamSession = () => sleep((maxAgeSeconds + 1.5) * 1000);

const workbenchEnv = (gateway: Gateway) => ({
	PREFECT_API_URL: gateway.apiUrl,
	WORKBENCH_LOGIN_URL: gateway.loginUrl,
	WORKBENCH_USERNAME_FIELD: gateway.usernameField,
	WORKBENCH_PASSWORD_FIELD: gateway.passwordField
});

describe('per-user session when the workbench session expires', () => {
	let gateway: Gateway;
	let flowdeck: FlowdeckServer;

	beforeAll(async () => {
		gateway = await startGateway({ shape: 'a', upstreamApiUrl: testApiUrl(), users: { alice: 'alice-Secret-1' }, sessionMaxAge: maxAgeSeconds });
		flowdeck = await startFlowdeck(workbenchEnv(gateway));
	});
	afterAll(async () => {
		await flowdeck?.stop();
		await gateway?.stop();
	});

	it('ends the session, shows "your workbench session expired" on /login, then returns to the page', async () => {
		const browser = new Visitor(flowdeck.url);
		expect((await browser.signIn('alice', 'alice-Secret-1', '/?tab=pools')).status).toBe(303);
		const id = browser.cookies.get('flowdeck-session')!;
		expect((await browser.get('/?tab=pools')).body).toContain(`data-testid="server-version">${testServerVersion()}<`);

		await outliveUpstreamSession();
		const expired = await browser.get('/?tab=pools');
		expect(expired.status).toBe(303);
		const location = header(expired, 'location')!;
		expect(location).toBe('/login?next=%2F%3Ftab%3Dpools&expired=workbench');
		expect(browser.cookies.has('flowdeck-session')).toBe(false);

		const login = await browser.get(location);
		expect(login.status).toBe(200);
		expect(login.body).toMatch(/your workbench session expired/i);

		// The ended session stays refused, even if someone kept its cookie.
		const replay = new Visitor(flowdeck.url);
		replay.cookies.set('flowdeck-session', id);
		expect((await replay.get('/')).status).toBe(303);

		const back = await browser.signIn('alice', 'alice-Secret-1', new URLSearchParams(location.split('?')[1]).get('next')!);
		expect(header(back, 'location')).toBe('/?tab=pools');
		expect(browser.cookies.get('flowdeck-session')).not.toBe(id);
		expect((await browser.get('/?tab=pools')).body).toContain(`data-testid="server-version">${testServerVersion()}<`);
	});
});

describe('service account when its workbench session expires', () => {
	let gateway: Gateway;
	let flowdeck: FlowdeckServer;

	beforeAll(async () => {
		gateway = await startGateway({ shape: 'a', upstreamApiUrl: testApiUrl(), users: { svc: 'svc-Secret-9' }, sessionMaxAge: maxAgeSeconds });
		flowdeck = await startFlowdeck({ ...workbenchEnv(gateway), WORKBENCH_USERNAME: 'svc', WORKBENCH_PASSWORD: 'svc-Secret-9' });
	});
	afterAll(async () => {
		await flowdeck?.stop();
		await gateway?.stop();
	});

	it('needs no sign-in from visitors and reports the mode', async () => {
		const visitor = new Visitor(flowdeck.url);
		const page = await visitor.get('/');
		expect(page.status).toBe(200);
		expect(page.body).toContain(`data-testid="server-version">${testServerVersion()}<`);
		expect(page.body).toContain('auth: workbench service account');
		expect(page.body).not.toContain('Sign out');
		expect(header(await visitor.get('/login'), 'location')).toBe('/');
		expect(JSON.parse((await visitor.get('/healthz')).body)).toMatchObject({ auth: { mode: 'workbench', account: 'service' }, prefect: { reachable: true } });
		expect(await gateway.logins()).toEqual({ succeeded: 1, failed: 0 });
	});

	it('signs in again after expiry, once for all concurrent requests', async () => {
		await outliveUpstreamSession();
		const pages = await Promise.all(Array.from({ length: 6 }, () => new Visitor(flowdeck.url).get('/')));
		for (const page of pages) {
			expect(page.status).toBe(200);
			expect(page.body).toContain(`data-testid="server-version">${testServerVersion()}<`);
		}
		expect(await gateway.logins()).toEqual({ succeeded: 2, failed: 0 });
		for (const page of pages) expect(page.body).not.toContain('svc-Secret-9');
	});
});
