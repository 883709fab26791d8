/**
 * A real Prefect 3.9.1 server with its own basic auth (PREFECT_SERVER_API_AUTH_STRING) and CSRF protection
 * (PREFECT_SERVER_API_CSRF_PROTECTION_ENABLED) on: Flowdeck's one request path sends Basic for PREFECT_API_AUTH_STRING
 * and does the CSRF handshake, for reads (filters are POSTs), writes and the tag reset that repairs the v2 count;
 * 3.x data read right (deployments with several schedules, paused, a concurrency limit; a tagged task run outside any
 * flow holding a slot); and the built app serves its pages and actions without the auth string or the token reaching
 * a page or its log. Started here (whatever version the shared stack runs): about half a minute on a loaded machine.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiKeyHeaders } from '#lib/auth/upstream.ts';
import { createPrefectClient } from '#lib/prefect/client.ts';
import { toDeploymentView } from '#lib/prefect/models.ts';
import { PrefectError } from '#lib/prefect/errors.ts';
import { freePort, start, waitFor, type Managed } from '../../scripts/lib/processes.ts';
import { ensurePythonEnv } from '../../scripts/lib/python.ts';
import { startFlowdeck, Visitor, type FlowdeckServer } from '../helpers/flowdeck.ts';
import { testPrefectMajor } from '../helpers/stack.ts';

const AUTH_STRING = `flowdeck:${randomUUID()}`;
const keys = { PREFECT_API_KEY: undefined, PREFECT_API_AUTH_STRING: AUTH_STRING };

let home: string;
let server: Managed;
let apiUrl: string;
const serverLog: string[] = [];

/** A call the typed client does not make (fixtures), with the auth and a CSRF token as Prefect's own client sends them. */
async function prefectApi(method: string, path: string, body?: unknown): Promise<unknown> {
	const auth = apiKeyHeaders(keys);
	const client = randomUUID();
	const token = ((await (await fetch(`${apiUrl}/csrf-token?client=${client}`, { headers: auth })).json()) as { token: string }).token;
	const response = await fetch(`${apiUrl}${path}`, {
		method,
		headers: { ...auth, 'content-type': 'application/json', 'prefect-csrf-token': token, 'prefect-csrf-client': client },
		body: body === undefined ? undefined : JSON.stringify(body)
	});
	if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
	return response.status === 204 ? undefined : response.json();
}

const failure = (promise: Promise<unknown>) =>
	promise.then(
		() => {
			throw new Error('expected a failure');
		},
		(error: unknown) => {
			expect(error).toBeInstanceOf(PrefectError);
			return error as PrefectError;
		}
	);

// It starts its own 3.9.1 server: once per npm test, in the Prefect 3 part.
const elsewhere = testPrefectMajor() !== 3;
if (elsewhere) console.log('skipped on the Prefect 2.13.7 stack: runs in the prefect3 part (npm test -- --only prefect3), with a 3.9.1 server of its own');

describe.skipIf(elsewhere)('a Prefect 3.9.1 server with basic auth and CSRF protection', () => {
	beforeAll(async () => {
		const env = await ensurePythonEnv(3);
		home = mkdtempSync(join(tmpdir(), 'flowdeck-prefect3-auth-'));
		const port = await freePort();
		apiUrl = `http://127.0.0.1:${port}/api`;
		server = start(env.prefectCli, ['server', 'start', '--host', '127.0.0.1', '--port', String(port)], {
			env: {
				PREFECT_HOME: home,
				PREFECT_API_URL: undefined,
				PREFECT_API_DATABASE_CONNECTION_URL: undefined,
				PREFECT_SERVER_DATABASE_CONNECTION_URL: undefined,
				PREFECT_LOGGING_LEVEL: 'WARNING',
				PREFECT_SERVER_ANALYTICS_ENABLED: 'false',
				PREFECT_SERVER_UI_ENABLED: 'false',
				PREFECT_SERVER_API_AUTH_STRING: AUTH_STRING,
				PREFECT_SERVER_API_CSRF_PROTECTION_ENABLED: 'true'
			},
			prefix: '',
			onLine: (line) => serverLog.push(line)
		});
		// /health answers without credentials (Prefect exempts it for probes).
		await Promise.race([
			waitFor('the Prefect 3 server to answer /api/health', async () => ((await fetch(`${apiUrl}/health`).catch(() => null))?.ok ? true : undefined), 150_000, 500),
			server.exited.then((code) => {
				throw new Error(`Prefect 3 exited during start-up (exit ${code}):\n${serverLog.join('\n')}`);
			})
		]);
	}, 600_000);

	afterAll(async () => {
		await server?.stop();
		if (home) rmSync(home, { recursive: true, force: true });
	});

	it('refuses no credentials and a Bearer key, as an unauthorized error', async () => {
		for (const headers of [{}, { authorization: 'Bearer pnu_not-what-it-wants' }] as Array<Record<string, string>>) {
			const error = await failure(createPrefectClient({ apiUrl, readRetries: 0, headers: () => headers }).serverVersion());
			expect(error.kind).toBe('unauthorized');
			expect(error.status).toBe(401);
		}
	});

	it('takes Basic auth and the CSRF handshake for filter reads and writes, with one token per connection', async () => {
		const prefect = createPrefectClient({ apiUrl, readRetries: 0, timeoutMs: 30_000, headers: () => apiKeyHeaders(keys) });
		expect(await prefect.serverVersion()).toBe('3.9.1');
		expect(await prefect.api()).toBe(3);
		const flow = await prefect.flows.create(`csrf-${randomUUID().slice(0, 8)}`);
		expect((await prefect.flows.filter({ flows: { id: { any_: [flow.id] } } })).map((found) => found.name)).toEqual([flow.name]);
		await Promise.all(Array.from({ length: 5 }, () => prefect.flows.count()));
		expect(await prefect.deployments.filter()).toEqual([]);
	});

	it('resets a tag limit and its tag:<tag> v2 count together (a plain v1 reset would leave the count)', async () => {
		const prefect = createPrefectClient({ apiUrl, readRetries: 0, timeoutMs: 30_000, headers: () => apiKeyHeaders(keys) });
		const tag = `reset-${randomUUID().slice(0, 8)}`;
		await prefect.concurrencyLimits.upsert(tag, 3);
		// Two task runs take a slot as 3.x task runs do: a lease on the tag's v2 limit.
		const holders = [randomUUID(), randomUUID()];
		for (const id of holders) await prefectApi('POST', '/v2/concurrency_limits/increment-with-lease', { names: [`tag:${tag}`], slots: 1, holder: { type: 'task_run', id } });
		const count = async () => (await prefect.globalConcurrencyLimits.filterAll()).find((limit) => limit.name === `tag:${tag}`)?.active_slots;
		expect((await prefect.concurrencyLimits.get(tag)).active_slots.sort()).toEqual([...holders].sort());
		expect(await count()).toBe(2);
		await prefect.concurrencyLimits.reset(tag, [holders[0]!]);
		expect((await prefect.concurrencyLimits.get(tag)).active_slots).toEqual([holders[0]]);
		expect(await count()).toBe(1);
		await prefect.concurrencyLimits.reset(tag);
		expect((await prefect.concurrencyLimits.get(tag)).active_slots).toEqual([]);
		expect(await count()).toBe(0);
		await prefect.concurrencyLimits.delete(tag);
	});

	it('reads deployments with several schedules, paused and a concurrency limit as one view, and pauses with pause_deployment', async () => {
		const prefect = createPrefectClient({ apiUrl, readRetries: 0, timeoutMs: 30_000, headers: () => apiKeyHeaders(keys) });
		const flow = await prefect.flows.create('it-prefect3-schedules');
		const { id } = (await prefectApi('POST', '/deployments/', {
			name: `paused-${randomUUID().slice(0, 8)}`,
			flow_id: flow.id,
			paused: true,
			concurrency_limit: 2,
			schedules: [
				{ schedule: { cron: '0 6 * * *', timezone: 'UTC' }, active: true },
				{ schedule: { interval: 3600 }, active: false }
			]
		})) as { id: string };
		try {
			// The case that read "Schedule: none" before: a paused deployment with an active daily schedule.
			const view = toDeploymentView(await prefect.deployments.get(id));
			expect(view.schedules).toEqual(
				expect.arrayContaining([
					{ description: 'cron 0 6 * * * (UTC)', active: true },
					{ description: 'every 1h 00m', active: false }
				])
			);
			expect(view).toMatchObject({ paused: true, concurrency: { limit: 2 } });
			await prefect.deployments.setPaused(id, false);
			expect(toDeploymentView(await prefect.deployments.get(id)).paused).toBe(false);
			await prefect.deployments.setPaused(id, true);
			expect(toDeploymentView(await prefect.deployments.get(id)).paused).toBe(true);
		} finally {
			await prefectApi('DELETE', `/deployments/${id}`);
		}
	});

	describe('through the built app (PREFECT_API_AUTH_STRING)', () => {
		let flowdeck: FlowdeckServer;
		beforeAll(async () => {
			flowdeck = await startFlowdeck({ PREFECT_API_URL: apiUrl, PREFECT_API_AUTH_STRING: AUTH_STRING, FLOWDECK_REQUEST_TIMEOUT_MS: '30000' });
		});
		afterAll(async () => flowdeck?.stop());

		it('reports the server and the scheme, serves every page and form action (a holder outside any flow, a paused deployment), and never shows the secrets', async () => {
			const visitor = new Visitor(flowdeck.url);
			const health = JSON.parse((await visitor.get('/healthz')).body) as Record<string, Record<string, unknown>>;
			expect(health.prefect).toMatchObject({ reachable: true, version: '3.9.1', support: 'supported' });
			expect(health.auth).toMatchObject({ mode: 'api-key', apiKey: true, description: 'basic auth' });
			for (const path of ['/', '/flows', '/runs', '/deployments', '/work-pools', '/concurrency']) {
				const page = await visitor.get(path);
				expect(page.status, path).toBe(200);
				expect(page.body).not.toContain('prefect-version-notice');
			}
			const tag = `form-${randomUUID().slice(0, 8)}`;
			const saved = await visitor.post('/concurrency?/save', { tag, limit: '2' });
			expect(saved.status).toBe(200);
			expect(saved.body).toContain(`Limit for tag "${tag}" is now 2.`);
			const reset = await visitor.post('/concurrency?/reset', { tag });
			expect(reset.body).toContain(`Released every slot of tag "${tag}".`);

			// A tagged task run outside any flow (3.x allows it) holding a slot: listed, no flow-run link, no 502.
			const task = (await prefectApi('POST', '/task_runs/', { name: `loose-${tag}`, task_key: 'loose', dynamic_key: '0', tags: [tag], flow_run_id: null })) as { id: string };
			await prefectApi('POST', '/v2/concurrency_limits/increment-with-lease', { names: [`tag:${tag}`], slots: 1, holder: { type: 'task_run', id: task.id } });
			// A reload (fresh reads): the change was made behind Flowdeck's back, within its shared-read second.
			const reload = new Visitor(flowdeck.url, visitor.recorded, { 'cache-control': 'no-cache' });
			const concurrency = await reload.get('/concurrency');
			expect(concurrency.status).toBe(200);
			expect(concurrency.body).toContain(`loose-${tag}`);
			expect(concurrency.body).toContain('1 of 2 slots in use');
			const taskPage = await visitor.get(`/task-runs/${task.id}`);
			expect(taskPage.status).toBe(200);
			expect(taskPage.body).toContain('none: it ran outside any flow');

			// A paused deployment with schedules: listed with them, paused, its limit shown; resumed through the form.
			const flow = (await prefectApi('POST', '/flows/', { name: 'it-prefect3-app' })) as { id: string };
			const deployment = (await prefectApi('POST', '/deployments/', {
				name: `app-${tag}`,
				flow_id: flow.id,
				paused: true,
				concurrency_limit: 3,
				schedules: [{ schedule: { cron: '0 6 * * *', timezone: 'UTC' }, active: true }]
			})) as { id: string };
			try {
				const list = await reload.get('/deployments');
				expect(list.body).toContain('cron 0 6 * * * (UTC) (paused)');
				const page = await visitor.get(`/deployments/${deployment.id}`);
				expect(page.body).toContain('3 runs at once, more wait');
				const resumed = await visitor.post(`/deployments/${deployment.id}?/schedule`, { active: 'yes' });
				expect(resumed.body).toContain('Schedule resumed');
				// Pausing asks first (Prefect 3 deletes the runs its scheduler created, as 2.x does), then pauses.
				const asked = await visitor.post(`/deployments/${deployment.id}?/schedule`, { active: 'no' });
				expect(asked.body).toContain('Prefect deletes the runs its scheduler already created');
				const paused = await visitor.post(`/deployments/${deployment.id}?/schedule`, { active: 'no', confirmed: 'yes' });
				expect(paused.body).toContain('Schedule paused');
				expect(((await prefectApi('GET', `/deployments/${deployment.id}`)) as { paused: boolean }).paused).toBe(true);
			} finally {
				await prefectApi('DELETE', `/deployments/${deployment.id}`);
			}
			const password = AUTH_STRING.split(':')[1]!;
			const basic = Buffer.from(AUTH_STRING).toString('base64');
			for (const text of [...visitor.recorded.map((response) => `${response.headers.join(' ')} ${response.body}`), ...flowdeck.output]) {
				expect(text).not.toContain(password);
				expect(text).not.toContain(basic);
				expect(text.toLowerCase()).not.toMatch(/prefect-csrf-token|"token"/);
			}
		});
	});
});
