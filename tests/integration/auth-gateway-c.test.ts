/**
 * Flowdeck behind gateway shape (c), the hardest one (tests/gateway/shape-c.conf): sign-in at /sso/authenticate with
 * fields login/secret, two cookies /api needs, an expired session answered by a 302 to an HTML sign-in page, and a
 * fresh anonymous session cookie on every answer. Here: the service account's re-login race (sign-ins counted
 * from the gateway's access log), expiry on every kind of live stream, a signed-out viewer's stream, no 5xx from
 * odd input, and the Host allow-list.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSse, type SseConnection } from '../helpers/sse-client.ts';
import { sleep, waitFor } from '../../scripts/lib/processes.ts';
import { startGateway, type Gateway } from '../helpers/gateway.ts';
import { header, rawRequest, startFlowdeck, Visitor, type FlowdeckServer } from '../helpers/flowdeck.ts';
import { testApiUrl, testPrefect, testServerVersion } from '../helpers/stack.ts';

const prefect = testPrefect();
const users = { alice: 'alice-Secret-1', bob: 'bob-Secret-2', svc: 'svc-Secret-9' };
let runId: string;

const workbenchEnv = (gateway: Gateway) => ({
	PREFECT_API_URL: gateway.apiUrl,
	WORKBENCH_LOGIN_URL: gateway.loginUrl,
	WORKBENCH_LOGOUT_URL: gateway.logoutUrl,
	WORKBENCH_USERNAME_FIELD: gateway.usernameField,
	WORKBENCH_PASSWORD_FIELD: gateway.passwordField
});

beforeAll(async () => {
	const flow = await prefect.flows.create('it-gateway-c');
	// Running with no worker behind it: its stream stays open and polls.
	runId = (await prefect.flowRuns.create(flow.id, { name: 'it-gateway-c-watched', state: { type: 'RUNNING', name: 'Running' } })).id;
});
afterAll(async () => {
	if (runId) await prefect.flowRuns.setState(runId, { type: 'CANCELLED', name: 'Cancelled' }, true).catch(() => undefined);
});

describe('gateway shape (c): the service account across expiries', () => {
	const maxAgeSeconds = 4;
	let gateway: Gateway;
	let flowdeck: FlowdeckServer;

	beforeAll(async () => {
		gateway = await startGateway({ shape: 'c', upstreamApiUrl: testApiUrl(), users, sessionMaxAge: maxAgeSeconds });
		flowdeck = await startFlowdeck({ ...workbenchEnv(gateway), WORKBENCH_USERNAME: 'svc', WORKBENCH_PASSWORD: users.svc });
	});
	afterAll(async () => {
		await flowdeck?.stop();
		await gateway?.stop();
	});

	it('signs in exactly once per expiry however many pages are in flight, and no page fails', async () => {
		expect((await new Visitor(flowdeck.url).get('/')).body).toContain(`data-testid="server-version">${testServerVersion()}<`);
		expect(await gateway.logins()).toEqual({ succeeded: 1, failed: 0 });
		const paths = ['/', '/runs', '/flows', '/work-pools', '/deployments', '/concurrency', `/runs/${runId}`];
		for (let expiry = 1; expiry <= 2; expiry++) {
			// Nothing uses the session meanwhile, so the gateway's sliding session ends (no Max-Age tells Flowdeck).
			await sleep((maxAgeSeconds + 1.5) * 1000);
			const pages = await Promise.all(Array.from({ length: 14 }, (_, index) => new Visitor(flowdeck.url).get(paths[index % paths.length]!)));
			for (const page of pages) {
				expect(page.status, `${page.url}: ${page.body.slice(0, 300)}`).toBe(200);
				expect(page.body).not.toMatch(/sign in again|Not authorized/i);
			}
			expect(await gateway.logins()).toEqual({ succeeded: 1 + expiry, failed: 0 });
		}
		// The 302s' anonymous cookies never replaced the signed-in ones: the next page needs no sign-in.
		expect((await new Visitor(flowdeck.url).get('/flows')).status).toBe(200);
		expect(await gateway.logins()).toEqual({ succeeded: 3, failed: 0 });
	});

	it('answers 400, never 5xx, to form actions whose body is not a form', async () => {
		const actions = ['/login?/signIn', '/login?/signOut', '/runs?/cancel', `/runs/${runId}?/cancel`, `/deployments/${runId}?/run`, '/concurrency?/save', '/concurrency?/reset', '/concurrency?/delete'];
		const bodies = [
			{ type: 'text/plain', body: 'ids=1' },
			{ type: 'multipart/form-data; boundary=', body: '--\r\n' },
			{ type: 'multipart/form-data; boundary=x', body: '--x\r\nContent-Disposition: form-data; name="ids"\r\n\r\nbroken' }
		];
		for (const action of actions) {
			for (const { type, body } of bodies) {
				const response = await rawRequest(`${flowdeck.url}${action}`, { method: 'POST', headers: { 'content-type': type, origin: flowdeck.url, accept: 'text/html' }, body });
				expect(response.status, `${action} with ${type}`).toBe(400);
				expect(response.body).toMatch(/form/i);
			}
		}
	});

	it('drops a custom date range Prefect cannot store instead of failing', async () => {
		const browser = new Visitor(flowdeck.url);
		const dropped = await browser.get('/runs?range=custom&from=0000-01-01&to=0000-12-31');
		// Like any invalid filter: the page sends on to the view without it.
		expect(dropped.status).toBe(302);
		expect(header(dropped, 'location')).toBe('/runs?range=custom');
		expect((await browser.get('/runs?range=custom')).status).toBe(200);
	});

	it('refuses a request to a host it does not answer to (DNS rebinding), even with a matching Origin', async () => {
		const port = new URL(flowdeck.url).port;
		const evil = `evil.example:${port}`;
		const read = await rawRequest(`${flowdeck.url}/runs`, { headers: { host: evil, accept: 'text/html' } });
		expect(read.status).toBe(400);
		expect(read.body).toContain('FLOWDECK_ALLOWED_HOSTS');
		expect(read.body).not.toContain('it-gateway-c');
		const cancel = await rawRequest(`${flowdeck.url}/runs/${runId}?/cancel`, {
			method: 'POST',
			headers: { host: evil, origin: `http://${evil}`, 'content-type': 'application/x-www-form-urlencoded' },
			body: 'descendants=yes'
		});
		expect(cancel.status).toBe(400);
		expect((await prefect.flowRuns.get(runId)).state_type).toBe('RUNNING');
		for (const host of [`localhost:${port}`, `127.0.0.1:${port}`]) expect((await rawRequest(`${flowdeck.url}/healthz`, { headers: { host } })).status).toBe(200);
	});
});

describe('gateway shape (c): per-user sessions and live streams', () => {
	let gateway: Gateway;
	let flowdeck: FlowdeckServer;
	const opened: SseConnection[] = [];

	beforeAll(async () => {
		gateway = await startGateway({ shape: 'c', upstreamApiUrl: testApiUrl(), users });
		flowdeck = await startFlowdeck(workbenchEnv(gateway));
	});
	afterAll(async () => {
		opened.forEach((stream) => stream.close());
		await flowdeck?.stop();
		await gateway?.stop();
	});

	async function signedIn(user: keyof typeof users): Promise<Visitor> {
		const browser = new Visitor(flowdeck.url);
		const response = await browser.signIn(user, users[user]);
		expect(response.status, response.body.slice(0, 300)).toBe(303);
		return browser;
	}
	const cookieOf = (browser: Visitor) => ({ cookie: `flowdeck-session=${browser.cookies.get('flowdeck-session')}` });
	async function stream(path: string, browser: Visitor): Promise<SseConnection> {
		const connection = await openSse(`${flowdeck.url}${path}`, undefined, cookieOf(browser));
		opened.push(connection);
		await waitFor(`a snapshot on ${path}`, async () => connection.events.find((event) => event.event === 'snapshot'), 60_000, 50);
		return connection;
	}
	const authExpired = (connection: SseConnection, what: string) => waitFor(`auth-expired on ${what}`, async () => connection.events.find((event) => event.event === 'auth-expired'), 60_000, 50);
	const streamPaths = () => [`/runs/${runId}/events`, '/events', '/runs/events?state=RUNNING'];

	it('signs in at the other path with the other field names; pages load with both cookies', async () => {
		const browser = await signedIn('alice');
		expect((await browser.get('/')).body).toContain('data-testid="signed-in-user">alice<');
	});

	it('refuses a stream opened without a session with 401, never a redirect', async () => {
		for (const path of streamPaths()) {
			const response = await fetch(`${flowdeck.url}${path}`, { headers: { accept: 'text/event-stream' }, redirect: 'manual' });
			expect(response.status, path).toBe(401);
			expect(response.headers.get('location')).toBeNull();
			expect(await response.json()).toMatchObject({ message: expect.stringMatching(/sign in/i) });
		}
	});

	it('ends every kind of open stream with auth-expired when the workbench session ends; reopening is a 401', async () => {
		const browser = await signedIn('alice');
		const streams = await Promise.all(streamPaths().map((path) => stream(path, browser)));
		await gateway.endSessions();
		for (const [index, connection] of streams.entries()) {
			const event = await authExpired(connection, streamPaths()[index]!);
			expect(JSON.parse(event.data)).toEqual({ ended: 'workbench' });
			await connection.ended;
		}
		for (const path of streamPaths()) {
			const again = await fetch(`${flowdeck.url}${path}`, { headers: { accept: 'text/event-stream', ...cookieOf(browser) }, redirect: 'manual' });
			expect(again.status, path).toBe(401);
			await again.body?.cancel();
		}
		// A page of the ended session goes to /login, coming back to itself.
		const page = await browser.get('/runs?state=RUNNING');
		expect(page.status).toBe(303);
		expect(header(page, 'location')).toMatch(/^\/login\?next=%2Fruns%3Fstate%3DRUNNING&expired=/);
	});

	it("closes a viewer's stream when they sign out, while another viewer of the same run keeps theirs", async () => {
		const a = await signedIn('alice');
		const b = await signedIn('bob');
		const path = `/runs/${runId}/events`;
		const streamA = await stream(path, a);
		const streamB = await stream(path, b); // B joined last: B's credentials poll from now on
		expect((await a.signOut()).status).toBe(303);
		const event = await authExpired(streamA, 'the signed-out viewer');
		expect(JSON.parse(event.data)).toEqual({ ended: 'flowdeck' });
		await streamA.ended;
		await sleep(3000); // a few more ticks
		expect(streamB.events.some((received) => received.event === 'auth-expired')).toBe(false);
		expect((await b.get('/')).status).toBe(200);
	});

	it('keeps next values that normalise to //host on this site: no 5xx on /login or the sign-in post', async () => {
		for (const next of ['/.//evil.example', '/a/..//evil.example', '/%2e//evil.example']) {
			const page = await new Visitor(flowdeck.url).get(`/login?next=${encodeURIComponent(next)}`);
			expect(page.status, next).toBe(200);
			expect(page.body).toContain('name="next" value="/"');
			const browser = new Visitor(flowdeck.url);
			const signIn = await browser.signIn('alice', users.alice, next);
			expect(signIn.status, next).toBe(303);
			expect(header(signIn, 'location')).toBe('/');
			// Signed in already: /login sends on to next, which must still be this site.
			const again = await browser.get(`/login?next=${encodeURIComponent(next)}`);
			expect(again.status).toBe(303);
			expect(header(again, 'location')).toBe('/');
		}
	});
});
