/**
 * Live list pages (the dashboard, /runs): one poller per view re-runs the page's own loader once per tick for
 * every subscriber, and sends the new page data as a `page` event only when what the page shows changed. The
 * comparison ignores what moves on every tick without news (durations of running runs, bounds relative to now).
 */
import type { PrefectClient } from '#lib/prefect/client.ts';
import { stringifyJson } from '#lib/json.ts';
import { PrefectError } from '#lib/prefect/errors.ts';
import { withoutDuration, type WorkPoolView } from '#lib/prefect/models.ts';
import { activeStateTypes, isActiveState } from '#lib/prefect/states.ts';
import { loadRunsPage, type RunsPage } from '#lib/server/runs.ts';
import { serializeRunsQuery, type RunsQuery } from '#lib/runs/query.ts';
import { loadDashboard, type Dashboard } from '../dashboard.ts';
import type { Activity, Feed, FeedTick } from './hub.ts';
import { liveHub } from './index.ts';
import { eventStream, streamSession } from './sse.ts';

export interface PageSource<T> {
	/** The loader the page's own +page.server.ts uses. */
	load(prefect: PrefectClient): Promise<T>;
	/** What the page shows, without the values that change on every tick. */
	signature(data: T): unknown;
	/** 'active' while something on the page runs (fast polling). These streams never end by themselves. */
	activity(data: T): Exclude<Activity, 'final'>;
	/** A loader that shows an unreachable Prefect as data says so here: the stream then reports it (not "Live"). */
	upstreamFailure?(data: T): PrefectError | undefined;
}

export class PageFeed<T> implements Feed {
	/** A resuming client needs the latest page only: each one replaces the ones before. */
	readonly keep = 1;
	private readonly source: PageSource<T>;
	private data: T | undefined;
	private signature: string | undefined;

	constructor(source: PageSource<T>) {
		this.source = source;
	}

	async tick(prefect: PrefectClient): Promise<FeedTick> {
		const data = await this.source.load(prefect);
		const failure = this.source.upstreamFailure?.(data);
		if (failure) throw failure;
		const signature = stringifyJson(this.source.signature(data));
		const changed = this.signature !== undefined && signature !== this.signature;
		// The latest data, durations included, is what a new subscriber's snapshot carries.
		this.data = data;
		this.signature = signature;
		return { events: changed ? [{ event: 'page', data }] : [], activity: this.source.activity(data) };
	}

	snapshot(): T | undefined {
		return this.data;
	}
}

/** A page's stream for one request: joins (or starts) the poller of `key` with the request's own Prefect client. */
export function pageStream<T>(key: string, source: PageSource<T>, request: { locals: App.Locals; request: Request }): Response {
	return eventStream({
		hub: liveHub(),
		key,
		createFeed: () => new PageFeed(source),
		prefect: request.locals.prefect,
		session: streamSession(request.locals),
		lastEventId: request.request.headers.get('last-event-id')
	});
}

/** Heartbeats and polls to the minute: the page shows them relative to a clock that ticks every 30 s. */
const toMinute = (iso: string | null) => iso?.slice(0, 16) ?? null;
const poolSignature = (pool: WorkPoolView) => ({
	...pool,
	workers: pool.workers.map((worker) => ({ ...worker, lastHeartbeat: toMinute(worker.lastHeartbeat) })),
	queues: pool.queues.map((queue) => ({ ...queue, lastPolled: toMinute(queue.lastPolled) }))
});

/** The dashboard's stream: every subscriber shares one key. Heavy, so fast polling only while runs are under way. */
export const dashboardSource: PageSource<Dashboard> = {
	load: (prefect) => loadDashboard(prefect),
	signature: (dashboard) => ({
		...dashboard,
		overview: { ...dashboard.overview, pools: dashboard.overview.pools.map(poolSignature) },
		// The 24 h window slides with every tick: its buckets count, their exact bounds do not.
		stats: dashboard.stats && { ...dashboard.stats, buckets: dashboard.stats.buckets.map((bucket) => ({ ...bucket, start: bucket.start.slice(0, 13), end: null })) },
		failures: dashboard.failures.map(withoutDuration)
	}),
	activity: (dashboard) => (activeStateTypes.some((type) => (dashboard.stats?.byState[type] ?? 0) > 0) ? 'active' : 'idle'),
	upstreamFailure: ({ overview }) => (overview.reachable ? undefined : new PrefectError('unreachable', overview.error?.message ?? 'Prefect is unreachable'))
};

/** The key of a /runs view's stream: equal views (after normalisation) share one poller. */
export const runsStreamKey = (query: RunsQuery) => `runs:${serializeRunsQuery(query).toString()}`;

/** One /runs view; `query` is already normalised, so the loader never redirects. */
export const runsSource = (query: RunsQuery): PageSource<RunsPage> => ({
	load: (prefect) => loadRunsPage(prefect, serializeRunsQuery(query)),
	signature: (page) => ({ ...page, rows: page.rows.map((row) => ({ ...row, run: withoutDuration(row.run) })) }),
	activity: (page) => (page.rows.some((row) => isActiveState(row.run.state.type)) ? 'active' : 'idle')
});
