/** Error mapping of the one request path, for answers a real Prefect server won't give on demand. */
import { http, HttpResponse, delay } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createPrefectClient } from '#lib/prefect/client.ts';
import { PrefectError } from '#lib/prefect/errors.ts';
import { createSharedReads } from '#lib/prefect/request.ts';
import { wireRun } from '../helpers/wire-run.ts';
import { prefectFailure } from '../helpers/prefect-failure.ts';

const API = 'http://prefect.test/api';
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledFrame: 'error' } as never));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const client = (extra: Partial<Parameters<typeof createPrefectClient>[0]> = {}) => createPrefectClient({ apiUrl: API, timeoutMs: 300, readRetries: 1, ...extra });

const failure = prefectFailure;

const flow = { id: 'f1', created: '2026-01-01T00:00:00Z', updated: '2026-01-01T00:00:00Z', name: 'etl', tags: [] };

describe('Prefect request path', () => {
	it('parses a good answer and sends the limit Prefect accepts', async () => {
		let body: unknown;
		server.use(
			http.post(`${API}/flows/filter`, async ({ request }) => {
				body = await request.json();
				return HttpResponse.json([flow]);
			})
		);
		expect(await client().flows.filter()).toEqual([flow]);
		expect(body).toMatchObject({ limit: 200 });
	});

	it('maps 5xx to upstream after retrying an idempotent read', async () => {
		let calls = 0;
		server.use(
			http.post(`${API}/flows/filter`, () => {
				calls++;
				return new HttpResponse('boom', { status: 503 });
			})
		);
		const error = await failure(client().flows.filter());
		expect(error.kind).toBe('upstream');
		expect(error.status).toBe(503);
		expect(calls).toBe(2);
	});

	it('never retries a write', async () => {
		let calls = 0;
		server.use(
			http.post(`${API}/deployments/d1/create_flow_run`, () => {
				calls++;
				return new HttpResponse(null, { status: 503 });
			})
		);
		expect((await failure(client().deployments.createFlowRun('d1', {}))).kind).toBe('upstream');
		expect(calls).toBe(1);
	});

	it('sends a write again when Prefect says its database was busy', async () => {
		let calls = 0;
		server.use(
			http.post(`${API}/deployments/d1/create_flow_run`, () => {
				calls++;
				return calls < 3 ? HttpResponse.json({ exception_message: 'Service Unavailable' }, { status: 503 }) : HttpResponse.json({ detail: 'stop here' }, { status: 404 });
			})
		);
		expect((await failure(client().deployments.createFlowRun('d1', {}))).kind).toBe('not-found');
		expect(calls).toBe(3);
	});

	it('keeps sending a write while the database is busy, within the busy-retry budget, then gives up', async () => {
		let calls = 0;
		server.use(
			http.post(`${API}/deployments/d1/create_flow_run`, () => {
				calls++;
				return HttpResponse.json({ exception_message: 'Service Unavailable' }, { status: 503 });
			})
		);
		const started = Date.now();
		const error = await failure(client({ busyRetryMs: 1500 }).deployments.createFlowRun('d1', {}));
		expect(error.kind).toBe('upstream');
		expect(error.status).toBe(503);
		expect(calls).toBeGreaterThan(3); // 200, 400, 800 ms waits (jittered) fit in 1.5 s; 1.6 s more does not
		expect(Date.now() - started).toBeLessThan(1500 + 1000);
	});

	it('never re-sends a write on a 503 that does not say the database was busy (it may have been saved)', async () => {
		let calls = 0;
		server.use(
			http.post(`${API}/deployments/d1/create_flow_run`, () => {
				calls++;
				return HttpResponse.json({ exception_message: 'Service Unavailable', exception_detail: [{ msg: 'other' }] }, { status: 503 });
			})
		);
		expect((await failure(client({ busyRetryMs: 5000 }).deployments.createFlowRun('d1', {}))).status).toBe(503);
		expect(calls).toBe(1);
	});

	it('shares identical reads in flight and for a short time, only within one credential identity', async () => {
		let calls = 0;
		server.use(
			http.post(`${API}/flows/filter`, async () => {
				calls++;
				await delay(50);
				return HttpResponse.json([flow]);
			})
		);
		let clock = 0;
		const sharedReads = createSharedReads({ ttlMs: 1000, now: () => clock });
		const alice = client({ sharedReads, shareKey: 'alice' });
		const results = await Promise.all([alice.flows.filter(), alice.flows.filter(), client({ sharedReads, shareKey: 'alice' }).flows.filter()]);
		expect(results).toEqual([[flow], [flow], [flow]]);
		expect(calls).toBe(1);
		await alice.flows.filter(); // within the second: reused
		expect(calls).toBe(1);
		await client({ sharedReads, shareKey: 'bob' }).flows.filter(); // another identity: its own read
		expect(calls).toBe(2);
		await client({ sharedReads }).flows.filter(); // no identity: never shared
		expect(calls).toBe(3);
		clock = 1000; // expired
		await alice.flows.filter();
		expect(calls).toBe(4);
	});

	it('checks the credentials of every caller of a shared read, and a write clears what is shared', async () => {
		let reads = 0;
		server.use(
			http.post(`${API}/flows/filter`, () => {
				reads++;
				return HttpResponse.json([flow]);
			}),
			http.post(`${API}/deployments/d1/create_flow_run`, () => HttpResponse.json({ detail: 'gone' }, { status: 404 }))
		);
		const sharedReads = createSharedReads({ ttlMs: 60_000 });
		await client({ sharedReads, shareKey: 's1' }).flows.filter();
		const ended = client({
			sharedReads,
			shareKey: 's1',
			headers: () => {
				throw new PrefectError('unauthorized', 'your session ended: sign in again', 401);
			}
		});
		expect((await failure(ended.flows.filter())).kind).toBe('unauthorized');
		await failure(client({ sharedReads, shareKey: 's1' }).deployments.createFlowRun('d1', {}));
		await client({ sharedReads, shareKey: 's1' }).flows.filter();
		expect(reads).toBe(2);
	});

	it('lets a fresh caller (a reload, a stream) skip a shared answer, and shares its own', async () => {
		let calls = 0;
		server.use(
			http.post(`${API}/flows/filter`, () => {
				calls++;
				return HttpResponse.json([flow]);
			})
		);
		const sharedReads = createSharedReads({ ttlMs: 60_000 });
		await client({ sharedReads, shareKey: 'a' }).flows.filter();
		await client({ sharedReads, shareKey: 'a', fresh: true }).flows.filter();
		expect(calls).toBe(2);
		await client({ sharedReads, shareKey: 'a' }).flows.filter();
		expect(calls).toBe(2);
	});

	it('never keeps a failed read', async () => {
		let calls = 0;
		server.use(
			http.post(`${API}/flows/filter`, () => {
				calls++;
				return calls === 1 ? HttpResponse.json({ detail: 'nope' }, { status: 404 }) : HttpResponse.json([flow]);
			})
		);
		const sharedReads = createSharedReads({ ttlMs: 60_000 });
		await failure(client({ sharedReads, shareKey: 'a' }).flows.filter());
		expect(await client({ sharedReads, shareKey: 'a' }).flows.filter()).toEqual([flow]);
		expect(calls).toBe(2);
	});

	it('maps a slow answer to timeout', async () => {
		server.use(
			http.get(`${API}/admin/version`, async () => {
				await delay(2000);
				return HttpResponse.json('2.13.7');
			})
		);
		expect((await failure(client({ readRetries: 0 }).serverVersion())).kind).toBe('timeout');
	});

	it('maps a body of the wrong shape to malformed, naming the field', async () => {
		server.use(http.post(`${API}/flows/filter`, () => HttpResponse.json([{ ...flow, name: 42 }])));
		const error = await failure(client().flows.filter());
		expect(error.kind).toBe('malformed');
		expect(error.message).toMatch(/0\.name/);
	});

	it('maps an HTML page (a login form answering 200) to malformed', async () => {
		server.use(http.post(`${API}/flows/filter`, () => HttpResponse.html('<form>login</form>')));
		expect((await failure(client().flows.filter())).kind).toBe('malformed');
	});

	it("maps 422 to validation with Prefect's message", async () => {
		server.use(
			http.post(`${API}/flow_runs/filter`, () =>
				HttpResponse.json({ exception_message: 'Invalid request received.', exception_detail: [{ loc: ['body', 'limit'], msg: 'ensure this value is less than or equal to 200' }] }, { status: 422 })
			)
		);
		const error = await failure(client().flowRuns.filter());
		expect(error.kind).toBe('validation');
		expect(error.message).toMatch(/less than or equal to 200/);
	});

	it('maps 404, 409 and 401', async () => {
		server.use(
			http.get(`${API}/flow_runs/x`, () => HttpResponse.json({ detail: 'Flow run not found' }, { status: 404 })),
			http.post(`${API}/work_pools/`, () => HttpResponse.json({ detail: 'exists' }, { status: 409 })),
			http.get(`${API}/admin/version`, () => new HttpResponse(null, { status: 401 }))
		);
		expect((await failure(client().flowRuns.get('x'))).kind).toBe('not-found');
		expect((await failure(client().workPools.create({ name: 'p' }))).kind).toBe('conflict');
		expect((await failure(client().serverVersion())).kind).toBe('unauthorized');
	});

	it('tells the connection of failures another server could explain (a 5xx, a wrong shape), not of a missing run', async () => {
		const told: string[] = [];
		const watched = client({ readRetries: 0, onServerFailure: (error) => told.push(error.kind) });
		server.use(
			http.post(`${API}/flows/filter`, () => HttpResponse.json({ detail: 'boom' }, { status: 500 })),
			http.get(`${API}/flows/f1`, () => HttpResponse.json({ ...flow, name: 42 })),
			http.get(`${API}/flow_runs/x`, () => HttpResponse.json({ detail: 'Flow run not found' }, { status: 404 }))
		);
		await failure(watched.flows.filter());
		await failure(watched.flows.get('f1'));
		await failure(watched.flowRuns.get('x'));
		expect(told).toEqual(['upstream', 'malformed']);
	});

	it('maps a refused connection to unreachable without leaking credentials in the URL', async () => {
		const error = await failure(createPrefectClient({ apiUrl: 'http://user:hunter2@127.0.0.1:9/api', readRetries: 0 }).health());
		expect(error.kind).toBe('unreachable');
		expect(error.message).not.toMatch(/hunter2/);
	});

	it('maps a redirect to a login page to unauthorized, without following it', async () => {
		let calls = 0;
		server.use(
			http.get(`${API}/admin/version`, () => {
				calls++;
				return new HttpResponse(null, { status: 302, headers: { location: '/login' } });
			})
		);
		const error = await failure(client().serverVersion());
		expect(error.kind).toBe('unauthorized');
		expect(error.message).not.toMatch(/sign in again/);
		expect(calls).toBe(1);
	});

	it('pages past 200 results', async () => {
		const offsets: number[] = [];
		server.use(
			http.post(`${API}/flow_runs/filter`, async ({ request }) => {
				const body = (await request.json()) as { offset: number; limit: number };
				offsets.push(body.offset);
				return HttpResponse.json([]);
			})
		);
		await client().flowRuns.filterAll({});
		expect(offsets).toEqual([0]);
	});

	it('reads the children of a big level in parallel pages once counted, and on past the count when rows were added since', async () => {
		// 600 children at the count, 700 by the time the pages are read.
		const ids = Array.from({ length: 700 }, (_, index) => `child-${String(index).padStart(3, '0')}`);
		const calls: string[] = [];
		let inFlight = 0;
		let mostInFlight = 0;
		server.use(
			http.post(`${API}/flow_runs/count`, async ({ request }) => {
				calls.push(`count ${JSON.stringify(((await request.json()) as { flow_runs: unknown }).flow_runs)}`);
				return HttpResponse.json(600);
			}),
			http.post(`${API}/flow_runs/filter`, async ({ request }) => {
				const body = (await request.json()) as { offset: number; limit: number };
				calls.push(`page ${body.offset}`);
				inFlight++;
				mostInFlight = Math.max(mostInFlight, inFlight);
				await delay(20);
				inFlight--;
				return HttpResponse.json(ids.slice(body.offset, body.offset + body.limit).map((id) => wireRun(id, 'COMPLETED')));
			})
		);
		const children = await client().flowRuns.children(['parent']);
		expect(children.map((run) => run.id)).toEqual(ids);
		// The counted pages at once (in any order), then on from the last one, which was full.
		expect(calls.slice(0, 2)).toEqual(['page 0', 'count {"parent_flow_run_id":{"any_":["parent"]}}']);
		expect(calls.slice(2, 4).sort()).toEqual(['page 200', 'page 400']);
		expect(calls.slice(4)).toEqual(['page 600']);
		expect(mostInFlight).toBe(2);

		// A level known to be big (`expectMany`) is counted with its first page; a small one is never counted.
		calls.length = 0;
		await client().flowRuns.children(['parent'], {}, 10_000, true);
		expect(calls.slice(0, 2).sort()).toEqual(['count {"parent_flow_run_id":{"any_":["parent"]}}', 'page 0']);
		ids.length = 150;
		calls.length = 0;
		expect(await client().flowRuns.children(['parent'])).toHaveLength(150);
		expect(calls).toEqual(['page 0']);
	});
});

describe('flow run lists past a run Prefect cannot list', () => {
	const flowRun = (id: string, parameters: string) =>
		`{"id":"${id}","created":"2026-01-01T00:00:00Z","updated":"2026-01-01T00:00:00Z","name":"run-${id}","flow_id":"f1","deployment_id":null,"work_queue_name":null,"parameters":${parameters},"tags":[],"parent_task_run_id":null,"state_type":"SCHEDULED","state_name":"Scheduled","state":null,"run_count":0,"expected_start_time":null,"start_time":null,"end_time":null,"total_run_time":0,"estimated_run_time":0}`;
	const runs: Record<string, string> = { a: flowRun('a', '{}'), b: flowRun('b', '{"big": 99999999999999999999}'), c: flowRun('c', '{"x": 1152921504606846976}') };
	const isPoison = (id: string) => id === 'b';

	it('lists the rest in order, reads the bad run on its own and keeps big integers exact', async () => {
		const filtered: unknown[] = [];
		server.use(
			// As Prefect 2.13.7: any list holding the bad run fails with 500; one run by id still reads.
			http.post(`${API}/flow_runs/filter`, async ({ request }) => {
				const body = (await request.json()) as { flow_runs?: { id?: { any_: string[] } } };
				filtered.push(body);
				const ids = body.flow_runs?.id?.any_ ?? ['a', 'b', 'c'];
				if (ids.some(isPoison)) return HttpResponse.json({ exception_message: 'Internal Server Error' }, { status: 500 });
				return new HttpResponse(`[${ids.map((id) => runs[id]).join(',')}]`, { headers: { 'content-type': 'application/json' } });
			}),
			http.post(`${API}/ui/flow_runs/history`, () => HttpResponse.json(['a', 'b', 'c'].map((id) => ({ id, state_type: 'SCHEDULED', timestamp: null, duration: 0 })))),
			http.get(`${API}/flow_runs/:id`, ({ params }) => new HttpResponse(runs[params.id as string], { headers: { 'content-type': 'application/json' } }))
		);
		const listed = await client().flowRuns.filter({ sort: 'ID_DESC' });
		expect(listed.map((run) => run.id)).toEqual(['a', 'b', 'c']);
		expect(listed[1]!.parameters.big).toBe(99999999999999999999n);
		expect(listed[2]!.parameters.x).toBe(1152921504606846976n);
	});
});
