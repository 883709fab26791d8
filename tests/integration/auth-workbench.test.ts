/**
 * Per-user workbench sign-in, end to end: a built Flowdeck server behind the real Apache form-login gateway in
 * both shapes, in front of the test stack's Prefect server, driven like a browser with fetch.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Gateway, type GatewayShape } from '../helpers/gateway.ts';
import { header, setCookies, startFlowdeck, Visitor, type FlowdeckServer, type Recorded } from '../helpers/flowdeck.ts';
import { testApiUrl, testServerVersion } from '../helpers/stack.ts';

const users = { alice: 'alice-Secret-1', bob: 'bob-Secret-2', carol: 'carol-Secret-3' };
const apiKey = 'flowdeck-test-key-5f1c';

describe.each<GatewayShape>(['a', 'b'])('workbench sign-in per user, gateway shape (%s)', (shape) => {
	let gateway: Gateway;
	let flowdeck: FlowdeckServer;
	const recorded: Recorded[] = [];
	const visitor = () => new Visitor(flowdeck.url, recorded);

	beforeAll(async () => {
		gateway = await startGateway({ shape, upstreamApiUrl: testApiUrl(), users, apiKey: shape === 'b' ? apiKey : undefined });
		flowdeck = await startFlowdeck({
			PREFECT_API_URL: gateway.apiUrl,
			WORKBENCH_LOGIN_URL: gateway.loginUrl,
			WORKBENCH_LOGOUT_URL: gateway.logoutUrl,
			WORKBENCH_USERNAME_FIELD: gateway.usernameField,
			WORKBENCH_PASSWORD_FIELD: gateway.passwordField,
			FLOWDECK_LOGIN_MAX_FAILURES: '5',
			...(shape === 'b' ? { PREFECT_API_KEY: apiKey } : {})
		});
	});
	afterAll(async () => {
		await flowdeck?.stop();
		await gateway?.stop();
	});

	it('sends a visitor without a session to /login, keeping the page to come back to', async () => {
		const response = await visitor().get('/?tab=pools');
		expect(response.status).toBe(303);
		expect(header(response, 'location')).toBe('/login?next=%2F%3Ftab%3Dpools');
		const page = await visitor().get('/login?next=%2F%3Ftab%3Dpools');
		expect(page.status).toBe(200);
		expect(page.body).toContain('name="next" value="/?tab=pools"');
	});

	it('signs in with good credentials: a fresh session cookie with the right flags, pages load through the gateway', async () => {
		const browser = visitor();
		const signIn = await browser.signIn('alice', users.alice, '/?tab=pools');
		expect(signIn.status).toBe(303);
		expect(header(signIn, 'location')).toBe('/?tab=pools');
		const [cookie, ...others] = setCookies(signIn);
		expect(others).toEqual([]);
		expect(cookie).toMatch(/^flowdeck-session=[\w-]{43};/); // 256 bits, base64url
		expect(cookie).toMatch(/; Path=\//);
		expect(cookie).toMatch(/; HttpOnly/);
		expect(cookie).toMatch(/; SameSite=Lax/);
		expect(cookie).not.toMatch(/Secure|Domain|Max-Age|Expires/i); // plain http here; https is tested in auth-origin

		const overview = await browser.get('/?tab=pools');
		expect(overview.status).toBe(200);
		expect(overview.body).toContain(`data-testid="server-version">${testServerVersion()}<`);
		expect(overview.body).toContain('aria-label="Work pool default-pool"');
		expect(overview.body).toContain('data-testid="signed-in-user">alice<');
		expect(overview.body).toContain(`auth: workbench sign-in (per user)${shape === 'b' ? ' + API key' : ''}`);
		expect((await gateway.logins()).succeeded).toBeGreaterThanOrEqual(1);
	});

	it('refuses a bad password with a clear message and no session', async () => {
		const browser = visitor();
		const response = await browser.signIn('alice', 'wrong-password', '/?tab=pools');
		expect(response.status).toBe(401);
		expect(response.body).toContain('The workbench refused this username or password.');
		expect(response.body).toContain('name="next" value="/?tab=pools"'); // the next attempt still returns there
		expect(setCookies(response)).toEqual([]);
		expect((await browser.get('/')).status).toBe(303);
	});

	it('asks for both fields before contacting the workbench', async () => {
		const before = await gateway.logins();
		const response = await visitor().signIn('alice', '');
		expect(response.status).toBe(400);
		expect(response.body).toContain('Enter your workbench username and password.');
		expect(await gateway.logins()).toEqual(before);
	});

	it('never promotes a session cookie sent before sign-in (no fixation), and replaces an old session at sign-in', async () => {
		const browser = visitor();
		browser.cookies.set('flowdeck-session', 'attacker-chosen-value-000000000000000000000');
		const planted = await browser.get('/');
		expect(planted.status).toBe(303);
		expect(setCookies(planted).join()).toMatch(/flowdeck-session=;/); // the unknown id is cleared

		browser.cookies.set('flowdeck-session', 'attacker-chosen-value-000000000000000000000');
		await browser.signIn('carol', users.carol);
		const first = browser.cookies.get('flowdeck-session');
		expect(first).toBeDefined();
		expect(first).not.toBe('attacker-chosen-value-000000000000000000000');

		// Signing in again while signed in gives a new id and ends the previous one.
		await browser.post('/login?/signIn', { username: 'carol', password: users.carol, next: '/' });
		const second = browser.cookies.get('flowdeck-session');
		expect(second).not.toBe(first);
		const old = new Visitor(flowdeck.url, recorded);
		old.cookies.set('flowdeck-session', first!);
		expect((await old.get('/')).status).toBe(303);
		expect((await browser.get('/')).status).toBe(200);
	});

	it('signs out with a POST: the old cookie is refused afterwards and the workbench logout is called', async () => {
		const browser = visitor();
		await browser.signIn('alice', users.alice);
		const id = browser.cookies.get('flowdeck-session')!;
		const page = await browser.get('/');
		expect(page.body).toContain('action="/login?/signOut"');
		const logoutsBefore = await gateway.logouts();

		const signOut = await browser.signOut();
		expect(signOut.status).toBe(303);
		expect(header(signOut, 'location')).toBe('/login?signed-out');
		expect(setCookies(signOut).join()).toMatch(/flowdeck-session=;/);
		expect(await gateway.logouts()).toBe(logoutsBefore + 1);
		expect((await browser.get('/login?signed-out')).body).toContain('You have signed out.');

		const replay = new Visitor(flowdeck.url, recorded);
		replay.cookies.set('flowdeck-session', id);
		const refused = await replay.get('/');
		expect(refused.status).toBe(303);
		// The store no longer knows it: Flowdeck's own session ended.
		expect(header(refused, 'location')).toBe('/login?expired=flowdeck');
		// Sign-out is never a GET: /login only shows the form.
		expect((await replay.get('/login?/signOut')).status).toBe(200);
	});

	it('refuses cross-origin form posts (SvelteKit CSRF check on the built server)', async () => {
		const browser = visitor();
		const signIn = await browser.post('/login?/signIn', { username: 'alice', password: users.alice, next: '/' }, 'http://evil.example');
		expect(signIn.status).toBe(403);
		expect(signIn.body).toContain('Cross-site POST form submissions are forbidden');
		expect(setCookies(signIn)).toEqual([]);

		await browser.signIn('alice', users.alice);
		const signOut = await browser.post('/login?/signOut', {}, 'http://evil.example');
		expect(signOut.status).toBe(403);
		expect((await browser.get('/')).status).toBe(200); // still signed in
	});

	it('throttles failed sign-ins per username and address: 429 with Retry-After, even for the right password', async () => {
		const browser = visitor();
		for (let attempt = 1; attempt <= 5; attempt++) expect((await browser.signIn('bob', `wrong-${attempt}`)).status).toBe(401);
		const failedAtGateway = (await gateway.logins()).failed;

		const throttled = await browser.signIn('bob', users.bob);
		expect(throttled.status).toBe(429);
		expect(Number(header(throttled, 'retry-after'))).toBeGreaterThan(0);
		expect(Number(header(throttled, 'retry-after'))).toBeLessThanOrEqual(15 * 60);
		expect(throttled.body).toContain('Too many failed sign-ins');
		expect(setCookies(throttled)).toEqual([]);
		expect((await gateway.logins()).failed).toBe(failedAtGateway); // the workbench is not even asked

		// Another username from the same address is not affected.
		expect((await visitor().signIn('carol', users.carol)).status).toBe(303);
	});

	it('reports the auth mode on /healthz without a session', async () => {
		const health = await visitor().get('/healthz');
		expect(health.status).toBe(200);
		expect(JSON.parse(health.body)).toMatchObject({ status: 'ok', auth: { mode: 'workbench', account: 'per-user', apiKey: shape === 'b' } });
	});

	it('answers API-style requests without a session with 401, not a page', async () => {
		const response = await fetch(`${flowdeck.url}/`, { headers: { accept: 'application/json' }, redirect: 'manual' });
		expect(response.status).toBe(401);
		expect(await response.json()).toMatchObject({ message: expect.stringContaining('Sign in first') });
	});

	it('never sent an upstream cookie, the API key or a password to the browser', () => {
		expect(recorded.length).toBeGreaterThan(20);
		const secrets = [...gateway.cookieNames, apiKey, ...Object.values(users), 'wrong-password', 'Bearer'];
		for (const response of recorded) {
			const text = `${response.headers.map(([name, value]) => `${name}: ${value}`).join('\n')}\n${response.body}`;
			for (const secret of secrets) expect(text, `${response.method} ${response.url} (${response.status}) contains ${secret}`).not.toContain(secret);
		}
		const log = flowdeck.output.join('\n');
		for (const secret of [apiKey, ...Object.values(users), 'wrong-password']) expect(log).not.toContain(secret);
	});
});
