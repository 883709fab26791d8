/**
 * One client for Prefect 2.13.7 and 3.x: the adapters picked by the server's version (deployments, pause, work-queue
 * status, the tag reset, global limits), the CSRF handshake and the key schemes, on answers shaped as each server's.
 */
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { apiKeyHeaders } from '#lib/auth/upstream.ts';
import { createPrefectClient } from '#lib/prefect/client.ts';
import { describeSchedules, toDeploymentView, toWorkQueueView } from '#lib/prefect/models.ts';
import { createCsrfTokens } from '#lib/prefect/request.ts';
import type { Deployment2, Deployment3 } from '#lib/prefect/schemas.ts';
import { loadConcurrency } from '#lib/server/concurrency.ts';
import { reconcileSlots } from '#lib/server/slot-reconciler.ts';
import { prefectFailure } from '../helpers/prefect-failure.ts';
import { wireTaskRun } from '../helpers/wire-run.ts';

const API = 'http://prefect.test/api';
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' } as never));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const at = '2026-01-01T00:00:00Z';
const common = { id: 'd1', created: at, updated: at, name: 'nightly', flow_id: 'f1', tags: [], parameters: {} };
const deployment2: Deployment2 = { ...common, schedule: { interval: 3600 }, is_schedule_active: false };
const deployment3: Deployment3 = {
	...common,
	paused: true,
	schedules: [
		{ id: 's1', schedule: { cron: '0 6 * * *', timezone: 'UTC' }, active: true },
		{ id: 's2', schedule: { interval: 86400 }, active: false }
	],
	concurrency_limit: 2,
	global_concurrency_limit: { id: 'g1', created: at, updated: at, name: 'deployment:d1', active: true, limit: 2, active_slots: 0 },
	concurrency_options: { collision_strategy: 'CANCEL_NEW' }
};

/** A server answering /admin/version with `version`, counting the calls. */
function versionIs(version: string) {
	const calls = { version: 0 };
	server.use(
		http.get(`${API}/admin/version`, () => {
			calls.version++;
			return HttpResponse.json(version);
		})
	);
	return calls;
}

const client = () => createPrefectClient({ apiUrl: API, timeoutMs: 2000, readRetries: 0 });

const failure = prefectFailure;

describe('deployments, per API generation, in one view', () => {
	it('maps a 2.x schedule and switch to schedules[] and paused', async () => {
		versionIs('2.13.7');
		server.use(http.get(`${API}/deployments/d1`, () => HttpResponse.json(deployment2)));
		const view = toDeploymentView(await client().deployments.get('d1'));
		expect(view).toMatchObject({ schedules: [{ description: 'every 1h 00m', active: false }], paused: true, concurrency: null });
		expect(describeSchedules(view)).toBe('every 1h 00m (paused)');
	});

	it('maps 3.x schedules, paused and the deployment concurrency limit', async () => {
		versionIs('3.9.1');
		server.use(http.get(`${API}/deployments/d1`, () => HttpResponse.json(deployment3)));
		const view = toDeploymentView(await client().deployments.get('d1'));
		expect(view).toMatchObject({
			schedules: [
				{ description: 'cron 0 6 * * * (UTC)', active: true },
				{ description: 'every 1d 0h', active: false }
			],
			paused: true,
			concurrency: { limit: 2, collisionStrategy: 'CANCEL_NEW' }
		});
		expect(describeSchedules(view)).toBe('cron 0 6 * * * (UTC); every 1d 0h (inactive) (paused)');
		expect(describeSchedules({ schedules: [], paused: false })).toBe('none');
	});

	it('fails loudly, not "Schedule: none", when the fields of the server’s generation are missing', async () => {
		versionIs('3.9.1');
		// A 2.x-shaped deployment from a server that says it is 3.x (or a 3.x that dropped `schedules`).
		server.use(http.post(`${API}/deployments/filter`, () => HttpResponse.json([deployment2])));
		const error = await failure(client().deployments.filter());
		expect(error.kind).toBe('malformed');
		expect(error.message).toMatch(/0\.(schedules|paused)/);
	});

	it('pauses and resumes with each generation’s endpoints, reading the version once per client', async () => {
		for (const [version, pause, resume] of [
			['2.13.7', 'set_schedule_inactive', 'set_schedule_active'],
			['3.9.1', 'pause_deployment', 'resume_deployment']
		] as const) {
			const calls = versionIs(version);
			const hit: string[] = [];
			server.use(
				http.post(`${API}/deployments/d1/:action`, ({ params }) => {
					hit.push(params.action as string);
					return new HttpResponse(null, { status: 200 });
				})
			);
			const prefect = client();
			await prefect.deployments.setPaused('d1', true);
			await prefect.deployments.setPaused('d1', false);
			expect(hit).toEqual([pause, resume]);
			expect(calls.version).toBe(1);
		}
	});

	it('uses the generation the caller knows without asking the server', async () => {
		const hit: string[] = [];
		server.use(http.post(`${API}/deployments/d1/:action`, ({ params }) => (hit.push(params.action as string), new HttpResponse(null, { status: 200 }))));
		await createPrefectClient({ apiUrl: API }, { api: async () => 3 }).deployments.setPaused('d1', true);
		expect(hit).toEqual(['pause_deployment']);
	});
});

describe('work queues', () => {
	it('show 3.x status, and none on 2.13.7 (which has no such field)', async () => {
		const queue = { id: 'q1', name: 'default', is_paused: false, priority: 1, concurrency_limit: null };
		expect(toWorkQueueView(queue).status).toBeNull();
		expect(toWorkQueueView({ ...queue, status: 'NOT_READY' }).status).toBe('not-ready');
		versionIs('3.9.1');
		server.use(http.post(`${API}/work_queues/filter`, () => HttpResponse.json([{ ...queue, status: 'READY' }])));
		expect((await client().workQueues.filter()).map(toWorkQueueView)[0]!.status).toBe('ready');
	});
});

describe('concurrency on 3.x', () => {
	const task = wireTaskRun('t1', 'RUNNING', { created: at, updated: at, name: 'load-1', task_key: 'load', dynamic_key: '1', tags: ['db'], state_name: 'Running' });
	const limit = (name: string, slots: number) => ({ id: name, created: at, updated: at, name, active: true, limit: 5, active_slots: slots, slot_decay_per_second: 0 });

	it('lists a holder outside any flow, and global limits without the tag limits’ twins', async () => {
		versionIs('3.9.1');
		server.use(
			http.post(`${API}/concurrency_limits/filter`, () => HttpResponse.json([{ id: 'c1', created: at, updated: at, tag: 'db', concurrency_limit: 5, active_slots: ['t1'] }])),
			http.post(`${API}/v2/concurrency_limits/filter`, () => HttpResponse.json([limit('tag:db', 1), limit('deployment:d1', 0), limit('api-calls', 2)])),
			http.post(`${API}/task_runs/filter`, () => HttpResponse.json([task]))
		);
		const page = await loadConcurrency(client());
		expect(page.rows[0]!.holders).toEqual([{ taskRunId: 't1', name: 'load-1', flowRunId: null, state: { type: 'RUNNING', name: 'Running' }, leaked: null }]);
		expect(page.globalLimits.map((row) => [row.name, row.activeSlots])).toEqual([
			['api-calls', 2],
			['deployment:d1', 0]
		]);
	});

	it('resets the tag’s v2 count with the reset (to the holders kept), and only on 3.x', async () => {
		const patched: unknown[] = [];
		server.use(
			http.post(`${API}/concurrency_limits/tag/db/reset`, () => new HttpResponse(null, { status: 200 })),
			http.patch(`${API}/v2/concurrency_limits/:name`, async ({ params, request }) => {
				patched.push([params.name, await request.json()]);
				return new HttpResponse(null, { status: 204 });
			})
		);
		versionIs('3.9.1');
		await client().concurrencyLimits.reset('db');
		await client().concurrencyLimits.reset('db', ['t1']);
		expect(patched).toEqual([
			['tag:db', { active_slots: 0 }],
			['tag:db', { active_slots: 1 }]
		]);
		versionIs('2.13.7');
		await client().concurrencyLimits.reset('db');
		expect(await client().globalConcurrencyLimits.filterAll()).toEqual([]);
		expect(patched).toHaveLength(2);
	});
});

describe('the slot reconciler on 3.x', () => {
	it('releases a leaked holder outside any flow and sets the tag’s v2 count to the live holders kept', async () => {
		versionIs('3.9.1');
		const holder = (id: string, state: 'RUNNING' | 'CRASHED') => wireTaskRun(id, state, { created: at, updated: at, tags: ['db'], state_name: state === 'RUNNING' ? 'Running' : 'Crashed' });
		const sent: unknown[] = [];
		server.use(
			http.post(`${API}/concurrency_limits/filter`, () => HttpResponse.json([{ id: 'c1', created: at, updated: at, tag: 'db', concurrency_limit: 3, active_slots: ['live', 'dead'] }])),
			http.get(`${API}/concurrency_limits/tag/db`, () => HttpResponse.json({ id: 'c1', created: at, updated: at, tag: 'db', concurrency_limit: 3, active_slots: ['live', 'dead'] })),
			http.post(`${API}/task_runs/filter`, () => HttpResponse.json([holder('live', 'RUNNING'), holder('dead', 'CRASHED')])),
			http.post(`${API}/concurrency_limits/tag/db/reset`, async ({ request }) => (sent.push(['reset', await request.json()]), new HttpResponse(null, { status: 200 }))),
			http.patch(`${API}/v2/concurrency_limits/:name`, async ({ params, request }) => (sent.push([params.name, await request.json()]), new HttpResponse(null, { status: 204 })))
		);
		const lines = await reconcileSlots(client());
		expect(lines).toEqual([expect.stringContaining('released a leaked "db" slot of task run dead')]);
		expect(sent).toEqual([
			['reset', { slot_override: ['live'] }],
			['tag:db', { active_slots: 1 }]
		]);
	});
});

describe('the CSRF handshake (Prefect 3 with CSRF protection)', () => {
	const TOKEN = 'secret-csrf-token-value';
	/** A server that wants the token on writes; counts token grants; `expireFirstToken`: the first token works once only. */
	function csrfServer(options: { expireFirstToken?: boolean; grantFails?: boolean } = {}) {
		const seen = { grants: 0, clients: new Set<string>(), writes: [] as Array<Record<string, string | null>> };
		let firstTokenUsed = false;
		server.use(
			http.get(`${API}/csrf-token`, ({ request }) => {
				if (options.grantFails) return HttpResponse.json({ detail: 'nope' }, { status: 500 });
				seen.grants++;
				const client = new URL(request.url).searchParams.get('client')!;
				seen.clients.add(client);
				return HttpResponse.json({ token: `${TOKEN}-${seen.grants}`, client, expiration: new Date(Date.now() + 3_600_000).toISOString() });
			}),
			http.post(`${API}/flows/`, ({ request }) => {
				const token = request.headers.get('prefect-csrf-token');
				const client = request.headers.get('prefect-csrf-client');
				seen.writes.push({ token, client });
				if (!token) return HttpResponse.json({ detail: 'Missing CSRF token.' }, { status: 403 });
				if (options.expireFirstToken && token.endsWith('-1')) {
					if (firstTokenUsed) return HttpResponse.json({ detail: 'Invalid CSRF token or client identifier.' }, { status: 403 });
					firstTokenUsed = true;
				}
				return HttpResponse.json({ id: 'f1', created: at, updated: at, name: 'etl', tags: [] });
			}),
			http.get(`${API}/flows/f1`, ({ request }) => {
				seen.writes.push({ token: request.headers.get('prefect-csrf-token'), client: null });
				return HttpResponse.json({ id: 'f1', created: at, updated: at, name: 'etl', tags: [] });
			})
		);
		return seen;
	}

	it('fetches a token on the first refusal, sends it with a stable client id, and reuses it across requesters of the connection', async () => {
		const seen = csrfServer();
		const csrf = createCsrfTokens();
		const connection = { apiUrl: API, csrf, shareKey: 'shared' };
		await createPrefectClient(connection).flows.create('etl');
		await createPrefectClient(connection).flows.create('etl');
		await createPrefectClient(connection).flows.get('f1');
		expect(seen.grants).toBe(1);
		const [client] = seen.clients;
		expect(seen.writes).toEqual([
			{ token: null, client: null },
			{ token: `${TOKEN}-1`, client },
			{ token: `${TOKEN}-1`, client },
			// Reads by GET carry no token.
			{ token: null, client: null }
		]);
	});

	it('many writes at once share one token fetch', async () => {
		const seen = csrfServer();
		const prefect = createPrefectClient({ apiUrl: API, csrf: createCsrfTokens() });
		await Promise.all(Array.from({ length: 8 }, () => prefect.flows.create('etl')));
		expect(seen.grants).toBe(1);
	});

	it('renews a refused (expired or replaced) token once and sends the call again', async () => {
		const seen = csrfServer({ expireFirstToken: true });
		const prefect = createPrefectClient({ apiUrl: API, csrf: createCsrfTokens() });
		await prefect.flows.create('etl');
		await prefect.flows.create('etl');
		expect(seen.grants).toBe(2);
		expect(seen.writes.map((write) => write.token)).toEqual([null, `${TOKEN}-1`, `${TOKEN}-1`, `${TOKEN}-2`]);
	});

	it('gives up after one renewal, with the server’s words and never the token', async () => {
		server.use(
			http.get(`${API}/csrf-token`, ({ request }) =>
				HttpResponse.json({ token: TOKEN, client: new URL(request.url).searchParams.get('client'), expiration: new Date(Date.now() + 3_600_000).toISOString() })
			),
			http.post(`${API}/flows/`, () => HttpResponse.json({ detail: 'Invalid CSRF token or client identifier.' }, { status: 403 }))
		);
		const error = await failure(createPrefectClient({ apiUrl: API }).flows.create('etl'));
		expect(error.kind).toBe('unauthorized');
		expect(error.message).toContain('Invalid CSRF token');
		expect(error.message).not.toContain(TOKEN);
	});

	it('names the token call when the server will not grant one', async () => {
		csrfServer({ grantFails: true });
		const error = await failure(createPrefectClient({ apiUrl: API }).flows.create('etl'));
		expect(error.kind).toBe('upstream');
		expect(error.message).toContain('GET /csrf-token');
	});

	it('keeps one client id per connection, and a bounded number of connections', () => {
		const csrf = createCsrfTokens(2);
		const first = csrf.of('a').client;
		expect(csrf.of('a').client).toBe(first);
		expect(csrf.of('b').client).not.toBe(first);
		csrf.of('c');
		// The oldest was dropped: it starts again with a new client id (and handshake).
		expect(csrf.of('a').client).not.toBe(first);
	});

	it('never asks for a token where the server never refused for one (2.13.7)', async () => {
		server.use(http.post(`${API}/flows/`, ({ request }) => HttpResponse.json({ id: 'f1', created: at, updated: at, name: request.headers.get('prefect-csrf-token') ?? 'etl', tags: [] })));
		expect((await createPrefectClient({ apiUrl: API }).flows.create('etl')).name).toBe('etl');
	});
});

describe('key schemes', () => {
	it('sends Basic base64(user:pass) for PREFECT_API_AUTH_STRING (it wins, as in Prefect’s client), else Bearer', () => {
		expect(apiKeyHeaders({ PREFECT_API_KEY: undefined, PREFECT_API_AUTH_STRING: 'admin:pa:ss' })).toEqual({ authorization: `Basic ${Buffer.from('admin:pa:ss').toString('base64')}` });
		expect(apiKeyHeaders({ PREFECT_API_KEY: 'pnu_1', PREFECT_API_AUTH_STRING: 'admin:pass' }).authorization).toMatch(/^Basic /);
		expect(apiKeyHeaders({ PREFECT_API_KEY: 'pnu_1', PREFECT_API_AUTH_STRING: undefined })).toEqual({ authorization: 'Bearer pnu_1' });
		expect(apiKeyHeaders({ PREFECT_API_KEY: undefined, PREFECT_API_AUTH_STRING: undefined })).toEqual({});
	});
});
