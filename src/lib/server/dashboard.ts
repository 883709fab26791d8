/** The dashboard (/): the server's status and pools, the last 24 h of runs by state, recent failures, the flows. */
import type { PrefectClient } from '#lib/prefect/client.ts';
import { toHistoryBucketView, toRunView, type HistoryBucketView, type RunView } from '#lib/prefect/models.ts';
import type { StateType } from '#lib/prefect/schemas.ts';
import { loadFlowsTable, type FlowsTable } from './flows.ts';
import { namesFor, readMoment } from './lookups.ts';
import { loadOverview, type Overview } from './overview.ts';

export interface RunStats {
	buckets: HistoryBucketView[];
	/** Runs of the window by state type. */
	byState: Partial<Record<StateType, number>>;
	total: number;
	late: number;
}

export interface Dashboard {
	overview: Overview;
	/** Null when Prefect is unreachable (overview.error says why). */
	stats: RunStats | null;
	failures: RunView[];
	flows: FlowsTable | null;
}

export const DASHBOARD_HOURS = 24;
const FAILURES = 8;
/** Flows on the dashboard: the first page by name, the rest on /flows. */
const DASHBOARD_FLOWS = 10;

export function statsOf(buckets: HistoryBucketView[]): RunStats {
	const byState: Partial<Record<StateType, number>> = {};
	let late = 0;
	for (const bucket of buckets) {
		late += bucket.late;
		for (const [type, count] of Object.entries(bucket.counts)) byState[type as StateType] = (byState[type as StateType] ?? 0) + count;
	}
	const total = Object.values(byState).reduce((sum, count) => sum + count, 0);
	return { buckets, byState, total, late };
}

/**
 * Every call at once: the status, pools and workers; the 24 h history in hourly buckets (one call gives the
 * counts, the late runs and the chart); the latest failures (then their names); the first page of flows. An
 * unreachable server ends there, shown on the page; a failure after the server answered is an error page.
 */
export async function loadDashboard(prefect: PrefectClient, now = readMoment()): Promise<Dashboard> {
	const since = new Date(now.getTime() - DASHBOARD_HOURS * 3_600_000).toISOString();
	const data = (async () =>
		Promise.all([
			prefect.flowRuns.history({ history_start: since, history_end: now.toISOString(), history_interval_seconds: 3600 }),
			prefect.flowRuns
				.filter({ flow_runs: { state: { type: { any_: ['FAILED', 'CRASHED'] } }, expected_start_time: { after_: since } }, sort: 'END_TIME_DESC', limit: FAILURES })
				.then(async (failed) => {
					const names = await namesFor(prefect, failed);
					return failed.map((run) => toRunView(run, names));
				}),
			loadFlowsTable(prefect, 1, now, DASHBOARD_FLOWS)
		]))();
	data.catch(() => undefined); // awaited below only when the server is reachable
	const overview = await loadOverview(prefect);
	if (!overview.reachable) return { overview, stats: null, failures: [], flows: null };
	const [history, failures, flows] = await data;
	return { overview, stats: statsOf(history.map(toHistoryBucketView)), failures, flows };
}
