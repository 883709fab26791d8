/**
 * Sessions shared by instances (FLOWDECK_SESSION_STORE=redis://…): two built Flowdeck servers behind one small
 * proxy, in per-user workbench mode through the real gateway, with a real redis-server. A signed-in user moves
 * between instances and across a restart of one; what Redis holds is encrypted.
 */
import { createServer, request, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisSessionStore } from '#lib/auth/redis-sessions.ts';
import { startGateway, type Gateway } from '../helpers/gateway.ts';
import { header, startFlowdeck, Visitor, type FlowdeckServer } from '../helpers/flowdeck.ts';
import { startRedis, type TestRedis } from '../helpers/redis.ts';
import { testApiUrl, testServerVersion } from '../helpers/stack.ts';
import { freePort } from '../../scripts/lib/processes.ts';

const users = { alice: 'alice-Secret-1' };
const secret = 'test-secret-of-at-least-32-characters-3f9a';

/** A load balancer stand-in: every request goes to `target`, the Host header kept (the CSRF origin check uses it). */
async function startProxy(): Promise<{ url: string; target: string; close: () => Promise<void> }> {
	const port = await freePort();
	const proxy = { url: `http://127.0.0.1:${port}`, target: '', close: async () => {} };
	const server: Server = createServer((req, res) => {
		const target = new URL(proxy.target);
		const upstream = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
			res.writeHead(answer.statusCode ?? 502, answer.headers);
			answer.pipe(res);
		});
		upstream.on('error', () => {
			res.writeHead(502).end('instance unreachable');
		});
		req.pipe(upstream);
	});
	await new Promise<void>((done) => server.listen(port, '127.0.0.1', done));
	proxy.close = () =>
		new Promise<void>((done) => {
			server.closeAllConnections();
			server.close(() => done());
		});
	return proxy;
}

describe('sessions in Redis, two instances behind one proxy', () => {
	let redis: TestRedis;
	let gateway: Gateway;
	let env: Record<string, string>;
	const instances: FlowdeckServer[] = [];
	let proxy: Awaited<ReturnType<typeof startProxy>>;

	beforeAll(async () => {
		redis = await startRedis();
		gateway = await startGateway({ shape: 'a', upstreamApiUrl: testApiUrl(), users });
		env = {
			PREFECT_API_URL: gateway.apiUrl,
			WORKBENCH_LOGIN_URL: gateway.loginUrl,
			WORKBENCH_LOGOUT_URL: gateway.logoutUrl,
			WORKBENCH_USERNAME_FIELD: gateway.usernameField,
			WORKBENCH_PASSWORD_FIELD: gateway.passwordField,
			FLOWDECK_SESSION_STORE: redis.url,
			FLOWDECK_SESSION_SECRET: secret
		};
		instances.push(...(await Promise.all([startFlowdeck(env), startFlowdeck(env)])));
		proxy = await startProxy();
	});
	afterAll(async () => {
		await proxy?.close();
		for (const instance of instances) await instance.stop();
		await gateway?.stop();
		await redis?.stop();
	});

	it('keeps a signed-in user signed in on either instance and across a restart of one; sign-out ends it everywhere', async () => {
		const [a, b] = instances as [FlowdeckServer, FlowdeckServer];
		const browser = new Visitor(proxy.url);
		proxy.target = a.url;
		const signIn = await browser.signIn('alice', users.alice, '/');
		expect(signIn.status).toBe(303);
		expect(header(signIn, 'location')).toBe('/');

		const onA = await browser.get('/');
		expect(onA.status).toBe(200);
		expect(onA.body).toContain(`data-testid="server-version">${testServerVersion()}<`);

		proxy.target = b.url;
		const onB = await browser.get('/');
		expect(onB.status).toBe(200);
		expect(onB.body).toContain(`data-testid="server-version">${testServerVersion()}<`);

		// Restart instance A on its port (SIGTERM, then a fresh process: nothing in its memory survives).
		const port = Number(new URL(a.url).port);
		await a.stop();
		instances[0] = await startFlowdeck(env, port);
		proxy.target = instances[0].url;
		const afterRestart = await browser.get('/');
		expect(afterRestart.status).toBe(200);
		expect(afterRestart.body).toContain(`data-testid="server-version">${testServerVersion()}<`);

		proxy.target = b.url;
		expect((await browser.signOut()).status).toBe(303);
		proxy.target = instances[0].url;
		const refused = await browser.get('/');
		expect(refused.status).toBe(303);
		expect(header(refused, 'location')).toMatch(/^\/login/);
	});

	it('stores upstream credentials encrypted, and never in clear', async () => {
		const browser = new Visitor(proxy.url);
		proxy.target = instances[1]!.url;
		expect((await browser.signIn('alice', users.alice, '/')).status).toBe(303);
		const keys = await redis.client.keys('flowdeck:session:*');
		expect(keys.length).toBeGreaterThan(0);
		const flowdeckCookie = [...browser.cookies.values()][0]!;
		for (const key of keys) {
			const fields = await redis.client.hgetall(key);
			expect(fields.sealed).toMatch(/^v1\./);
			const raw = JSON.stringify(fields);
			for (const word of ['alice', 'gw_session', flowdeckCookie]) expect(raw).not.toContain(word);
			expect(key).not.toContain(flowdeckCookie); // keyed by a hash of the id
			expect(await redis.client.pttl(key)).toBeGreaterThan(0); // expires with the session
		}
	});

	it('applies the same idle and absolute timeouts as the memory store, and never revives a destroyed session', async () => {
		let clock = Date.now();
		const minute = 60_000;
		const store = createRedisSessionStore(redis.url, secret, { idleMs: 30 * minute, absoluteMs: 60 * minute }, { now: () => clock });
		try {
			const { id } = await store.create('bob', new Map());
			clock += 29 * minute;
			expect((await store.resume(id))?.username).toBe('bob');
			clock += 29 * minute;
			expect(await store.isActive(id)).toBe(true);
			clock += 1 * minute + 1; // 30 min idle
			expect(await store.isActive(id)).toBe(false);
			expect(await store.resume(id)).toBeUndefined();

			const second = await store.create('bob', new Map());
			for (let i = 0; i < 2; i++) {
				clock += 20 * minute;
				expect(await store.resume(second.id)).toBeDefined();
			}
			clock += 20 * minute;
			expect(await store.resume(second.id)).toBeUndefined(); // absolute timeout (60 min) whatever the activity

			const third = await store.create('bob', new Map());
			await store.destroy(third.id);
			await store.setUpstream(third.id, new Map());
			expect(await store.resume(third.id)).toBeUndefined();

			const wrongKey = createRedisSessionStore(redis.url, 'another-secret-of-at-least-32-characters', { idleMs: 30 * minute, absoluteMs: 60 * minute }, { now: () => clock });
			const fourth = await store.create('bob', new Map());
			expect(await wrongKey.resume(fourth.id)).toBeUndefined(); // sealed with another secret: not a session
			await wrongKey.close();
		} finally {
			await store.close();
		}
	});

	it('refuses to start with a Redis store and no secret', async () => {
		const { FLOWDECK_SESSION_SECRET: _, ...withoutSecret } = env;
		await expect(startFlowdeck(withoutSecret)).rejects.toThrow(/FLOWDECK_SESSION_SECRET/);
	});
});
