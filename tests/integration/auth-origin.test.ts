/**
 * Flowdeck behind a TLS proxy: the public origin configured with ORIGIN, or taken from the proxy's headers
 * (PROTOCOL_HEADER/HOST_HEADER). The CSRF origin check stays on and the session cookie becomes
 * `__Host-…; Secure`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type Gateway } from '../helpers/gateway.ts';
import { header, setCookies, startFlowdeck, Visitor, type FlowdeckServer } from '../helpers/flowdeck.ts';
import { testApiUrl } from '../helpers/stack.ts';

const users = { alice: 'alice-Secret-1' };
let gateway: Gateway;

beforeAll(async () => {
	gateway = await startGateway({ shape: 'a', upstreamApiUrl: testApiUrl(), users });
});
afterAll(async () => {
	await gateway?.stop();
});

const workbenchEnv = () => ({ PREFECT_API_URL: gateway.apiUrl, WORKBENCH_LOGIN_URL: gateway.loginUrl });

function expectSecureSessionCookie(cookies: string[]): void {
	expect(cookies).toHaveLength(1);
	const [cookie = ''] = cookies;
	expect(cookie).toMatch(/^__Host-flowdeck-session=[\w-]{43}; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
}

interface ProxySetup {
	name: string;
	env: Record<string, string>;
	/** Headers the proxy adds to every request. */
	headers: Record<string, string>;
	origin: string;
}

describe.each<ProxySetup>([
	{ name: 'ORIGIN', env: { ORIGIN: 'https://flowdeck.example.test' }, headers: {}, origin: 'https://flowdeck.example.test' },
	{
		name: 'PROTOCOL_HEADER/HOST_HEADER',
		// The host the proxy names is the one checked: it must be allowed (ORIGIN would allow its own).
		env: { PROTOCOL_HEADER: 'x-forwarded-proto', HOST_HEADER: 'x-forwarded-host', FLOWDECK_ALLOWED_HOSTS: 'flowdeck.proxy.test' },
		headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'flowdeck.proxy.test' },
		origin: 'https://flowdeck.proxy.test'
	}
])('behind an https proxy configured with $name', ({ env, headers, origin }) => {
	let flowdeck: FlowdeckServer;

	beforeAll(async () => {
		flowdeck = await startFlowdeck({ ...workbenchEnv(), ...env });
	});
	afterAll(async () => {
		await flowdeck?.stop();
	});

	it('accepts a sign-in posted from the public origin and sets a __Host- Secure cookie', async () => {
		const browser = new Visitor(flowdeck.url, [], headers);
		const response = await browser.post('/login?/signIn', { username: 'alice', password: users.alice, next: '/' }, origin);
		expect(response.status).toBe(303);
		expectSecureSessionCookie(setCookies(response));
		const page = await browser.get('/');
		expect(page.status).toBe(200);
		expect(page.body).toContain('data-testid="signed-in-user">alice<');
	});

	it("refuses a post from any other origin, the server's own address included", async () => {
		const browser = new Visitor(flowdeck.url, [], headers);
		for (const other of [flowdeck.url, 'https://evil.example', origin.replace('https:', 'http:')]) {
			const response = await browser.post('/login?/signIn', { username: 'alice', password: users.alice, next: '/' }, other);
			expect(response.status).toBe(403);
			expect(setCookies(response)).toEqual([]);
		}
	});

	it('ignores the plain-http cookie name', async () => {
		const browser = new Visitor(flowdeck.url, [], headers);
		await browser.post('/login?/signIn', { username: 'alice', password: users.alice, next: '/' }, origin);
		const id = browser.cookies.get('__Host-flowdeck-session')!;
		const downgraded = new Visitor(flowdeck.url, [], headers);
		downgraded.cookies.set('flowdeck-session', id);
		expect(header(await downgraded.get('/'), 'location')).toBe('/login');
	});
});

describe('served directly over http', () => {
	let flowdeck: FlowdeckServer;

	beforeAll(async () => {
		flowdeck = await startFlowdeck(workbenchEnv());
	});
	afterAll(async () => {
		await flowdeck?.stop();
	});

	it('ignores a forged protocol header and refuses a post without an Origin', async () => {
		const browser = new Visitor(flowdeck.url, [], { 'x-flowdeck-protocol': 'https', 'x-forwarded-proto': 'https' });
		const signIn = await browser.post('/login?/signIn', { username: 'alice', password: users.alice, next: '/' });
		expect(signIn.status).toBe(303);
		expect(setCookies(signIn).join()).toMatch(/^flowdeck-session=/);
		expect(setCookies(signIn).join()).not.toMatch(/Secure/);

		const response = await fetch(`${flowdeck.url}/login?/signIn`, {
			method: 'POST',
			headers: { accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' },
			body: new URLSearchParams({ username: 'alice', password: users.alice }),
			redirect: 'manual'
		});
		expect(response.status).toBe(403);
	});
});
