import { describe, expect, it } from 'vitest';
import type { PrefectClient } from '#lib/prefect/client.ts';
import { PrefectError } from '#lib/prefect/errors.ts';
import { toRunView } from '#lib/prefect/models.ts';
import type { FlowRun, StateType } from '#lib/prefect/schemas.ts';
import { defaultRunsQuery, parseRunsQuery } from '#lib/runs/query.ts';
import type { Dashboard, RunStats } from '#lib/server/dashboard.ts';
import { LiveHub, type Clock, type LiveEvent } from '#lib/server/live/hub.ts';
import { dashboardSource, PageFeed, runsSource, runsStreamKey, type PageSource } from '#lib/server/live/page-feed.ts';
import { wireRun } from '../helpers/wire-run.ts';

const prefect = {} as PrefectClient;

function pageRun(id: string, state: StateType, extra: Partial<FlowRun> = {}): FlowRun {
	const at = '2024-05-01T10:00:00Z';
	return wireRun(id, state, { name: `run-${id}`, created: at, updated: at, flow_id: 'f1', run_count: 1, expected_start_time: at, start_time: '2024-05-01T10:00:01Z', ...extra });
}

/** Just what loadRunsPage asks Prefect, answering from `runs` as it is at each call; counts the rounds. */
function fakePrefect(runs: { current: FlowRun[] }) {
	const calls = { filter: 0 };
	const client = {
		flowRuns: {
			filter: async () => (calls.filter++, runs.current),
			count: async () => runs.current.length
		},
		flows: { filter: async () => [{ id: 'f1', name: 'etl', tags: [], created: '2024-01-01T00:00:00Z' }] },
		deployments: { filter: async () => [] },
		workPools: { filter: async () => [] },
		taskRuns: { filterAll: async () => [] }
	};
	return { client: client as unknown as PrefectClient, calls };
}

describe('PageFeed', () => {
	it('re-runs the loader each tick and sends the page only when its signature changed', async () => {
		const pages = [
			{ n: 1, noise: 1 },
			{ n: 1, noise: 2 },
			{ n: 2, noise: 3 },
			{ n: 2, noise: 4 }
		];
		let loads = 0;
		const source: PageSource<{ n: number; noise: number }> = {
			load: async () => pages[loads++]!,
			signature: ({ n }) => n,
			activity: () => 'idle'
		};
		const feed = new PageFeed(source);
		expect(feed.snapshot()).toBeUndefined();
		expect((await feed.tick(prefect)).events).toEqual([]); // the first round is the hub's snapshot
		expect((await feed.tick(prefect)).events).toEqual([]);
		expect(feed.snapshot()).toEqual({ n: 1, noise: 2 }); // newcomers get the latest data all the same
		expect((await feed.tick(prefect)).events).toEqual([{ event: 'page', data: { n: 2, noise: 3 } }]);
		expect((await feed.tick(prefect)).events).toEqual([]);
		expect(loads).toBe(4);
		expect(feed.keep).toBe(1);
	});

	it('keeps only the latest page for resume: one missed page is replayed, more become a snapshot', async () => {
		const due: Array<() => void> = [];
		const clock: Clock = { setTimeout: (callback) => due.push(callback), clearTimeout: () => {} };
		const hub = new LiveHub({ clock });
		let n = 0;
		const feed = new PageFeed<number>({ load: async () => ++n, signature: (page) => page, activity: () => 'idle' });
		const subscribe = (lastEventId?: string) => {
			const events: LiveEvent[] = [];
			hub.subscribe('pages', () => feed, { prefect, send: (event) => events.push(event), close: () => {} }, lastEventId);
			return events;
		};
		const first = subscribe();
		for (let tick = 0; tick < 4; tick++) {
			due.shift()!();
			await new Promise((resolve) => setTimeout(resolve, 0));
		}
		expect(first.map((event) => [event.event, event.data])).toEqual([
			['snapshot', 1],
			['page', 2],
			['page', 3],
			['page', 4]
		]);
		expect(subscribe(first[2]!.id).map((event) => [event.event, event.data])).toEqual([['page', 4]]);
		expect(subscribe(first[1]!.id).map((event) => [event.event, event.data])).toEqual([['snapshot', 4]]);
	});
});

describe('runs list feed', () => {
	const query = parseRunsQuery(new URLSearchParams('tag=etl&state=running&state=SCHEDULED&junk=1'));

	it('keys equal views alike, whatever the order and noise of the query string', () => {
		expect(runsStreamKey(query)).toBe(runsStreamKey(parseRunsQuery(new URLSearchParams('state=SCHEDULED&tag=etl&state=RUNNING'))));
		expect(runsStreamKey(query)).not.toBe(runsStreamKey(defaultRunsQuery));
	});

	it('sends a new run and a state change, not a running duration; polls fast while a run is under way', async () => {
		const runs = { current: [pageRun('a', 'SCHEDULED')] };
		const { client, calls } = fakePrefect(runs);
		const feed = new PageFeed(runsSource(query));
		expect(await feed.tick(client)).toEqual({ events: [], activity: 'idle' });

		runs.current = [pageRun('b', 'RUNNING', { estimated_run_time: 1 }), pageRun('a', 'SCHEDULED')];
		const added = await feed.tick(client);
		expect(added.activity).toBe('active');
		expect(added.events.map((event) => event.event)).toEqual(['page']);
		expect((added.events[0]!.data as { rows: Array<{ run: { id: string } }> }).rows.map((row) => row.run.id)).toEqual(['b', 'a']);

		runs.current = [pageRun('b', 'RUNNING', { estimated_run_time: 2 }), pageRun('a', 'SCHEDULED')];
		expect(await feed.tick(client)).toEqual({ events: [], activity: 'active' });

		runs.current = [pageRun('b', 'COMPLETED', { estimated_run_time: 3, end_time: '2024-05-01T10:00:04Z' }), pageRun('a', 'CANCELLED')];
		const finished = await feed.tick(client);
		expect(finished.activity).toBe('idle');
		expect(finished.events).toHaveLength(1);
		expect(calls.filter).toBe(4); // one loader round per tick
	});
});

describe('dashboard feed', () => {
	const run = (state: StateType, duration: number) => toRunView(pageRun('x', state, { total_run_time: duration }));
	const dashboard = (at: string, byState: RunStats['byState'], heartbeat: string, duration = 5): Dashboard => ({
		overview: {
			apiUrl: 'http://prefect/api',
			reachable: true,
			version: '2.13.7',
			support: { level: 'supported', message: null },
			error: null,
			pools: [
				{ name: 'p', type: 'process', description: null, status: 'ready', concurrencyLimit: null, onlineWorkers: 1, queues: [], workers: [{ name: 'w', online: true, lastHeartbeat: heartbeat }] }
			]
		},
		stats: { buckets: [{ start: at, end: at, counts: byState, late: 0 }], byState, total: Object.values(byState).reduce((a, b) => a + (b ?? 0), 0), late: 0 },
		failures: [run('FAILED', duration)],
		flows: { rows: [], page: 1, pages: 1, total: 0 }
	});
	const same = (a: Dashboard, b: Dashboard) => JSON.stringify(dashboardSource.signature(a)) === JSON.stringify(dashboardSource.signature(b));

	it('ignores the sliding window, heartbeats within the minute and durations; not counts or worker states', () => {
		const base = dashboard('2024-05-01T10:00:05Z', { COMPLETED: 3 }, '2024-05-01T10:00:10Z');
		expect(same(base, dashboard('2024-05-01T10:00:09Z', { COMPLETED: 3 }, '2024-05-01T10:00:40Z', 6))).toBe(true);
		expect(same(base, dashboard('2024-05-01T10:00:05Z', { COMPLETED: 3, RUNNING: 1 }, '2024-05-01T10:00:10Z'))).toBe(false);
		expect(same(base, dashboard('2024-05-01T11:00:05Z', { COMPLETED: 3 }, '2024-05-01T10:00:10Z'))).toBe(false);
		expect(same(base, dashboard('2024-05-01T10:00:05Z', { COMPLETED: 3 }, '2024-05-01T10:01:10Z'))).toBe(false);
	});

	it('polls fast only while runs are under way', () => {
		expect(dashboardSource.activity(dashboard('2024-05-01T10:00:05Z', { COMPLETED: 3, SCHEDULED: 2 }, '2024-05-01T10:00:10Z'))).toBe('idle');
		expect(dashboardSource.activity(dashboard('2024-05-01T10:00:05Z', { COMPLETED: 3, PENDING: 1 }, '2024-05-01T10:00:10Z'))).toBe('active');
	});
});

describe('dashboard stream when Prefect fails', () => {
	const failing = (error: PrefectError) => ({ apiUrl: 'http://x/api', serverVersion: async () => Promise.reject(error) }) as unknown as PrefectClient;

	it('reports an unreachable Prefect as a failed tick (the stream says so instead of "Live")', async () => {
		const feed = new PageFeed(dashboardSource);
		await expect(feed.tick(failing(new PrefectError('unreachable', 'Prefect is unreachable at http://x/api (ECONNREFUSED)')))).rejects.toMatchObject({ kind: 'unreachable' });
	});

	it('lets a refused session through as an error (auth-expired), never as page data', async () => {
		const feed = new PageFeed(dashboardSource);
		await expect(feed.tick(failing(new PrefectError('unauthorized', 'not authorized (401)', 401)))).rejects.toMatchObject({ kind: 'unauthorized' });
	});
});
