/** Lookups shared by several pages: names by id in batched calls, recent runs of every flow. */
import type { PrefectClient } from '#lib/prefect/client.ts';
import { namesOf, toStateView, type NameLookup, type StateView } from '#lib/prefect/models.ts';
import type { FlowRun } from '#lib/prefect/schemas.ts';

const distinct = (values: Array<string | null>): string[] => [...new Set(values.filter((value): value is string => value !== null))];

/** Names of the flows and deployments of `runs`: two calls at most, batched by id, for those not already known. */
export async function namesFor(prefect: PrefectClient, runs: FlowRun[], known?: NameLookup): Promise<NameLookup> {
	const flowIds = distinct(runs.map((run) => run.flow_id)).filter((id) => !known?.flows.has(id));
	const deploymentIds = distinct(runs.map((run) => run.deployment_id)).filter((id) => !known?.deployments.has(id));
	const [flows, deployments] = await Promise.all([
		flowIds.length ? prefect.flows.filter({ flows: { id: { any_: flowIds } } }) : [],
		deploymentIds.length ? prefect.deployments.filter({ deployments: { id: { any_: deploymentIds } } }) : []
	]);
	const found = namesOf(flows, deployments);
	return {
		flows: new Map([...(known?.flows ?? []), ...found.flows]),
		deployments: new Map([...(known?.deployments ?? []), ...found.deployments])
	};
}

export interface RecentRun {
	id: string;
	state: StateView;
	/** Start, else expected start. */
	at: string | null;
}

/**
 * The moment a page's reads are made for, to the whole second (rounded up): loads within the same second then send
 * identical queries, which the request path makes once and shares between them (prefect/request.ts).
 */
export function readMoment(at = new Date()): Date {
	return new Date(Math.ceil(at.getTime() / 1000) * 1000);
}

/** Rows per page of the flows and deployments tables (and the flows of the dashboard). */
export const LIST_PAGE_SIZE = 25;
/** Runs read at once per row: each row makes one small query, so a page never makes more than this many in flight. */
export const ROW_QUERIES_IN_FLIGHT = 8;

/**
 * The latest runs (newest first, at most `count`) of one flow or deployment, whatever their age and however many
 * newer runs other flows have: one light query (`/ui/flow_runs/history` reads a few columns, not whole runs).
 * Runs scheduled in the future are not "recent".
 */
export async function latestRuns(prefect: PrefectClient, of: { flow: string } | { deployment: string }, count: number, now: Date): Promise<RecentRun[]> {
	const points = await prefect.flowRuns.points({
		...('flow' in of ? { flows: { id: { any_: [of.flow] } } } : { deployments: { id: { any_: [of.deployment] } } }),
		flow_runs: { expected_start_time: { before_: now.toISOString() } },
		sort: 'EXPECTED_START_TIME_DESC',
		limit: count
	});
	return points.map((point) => ({
		id: point.id,
		// A scheduled run whose start is overdue is what Prefect names Late.
		state: toStateView(point.state_type, point.state_type === 'SCHEDULED' && (point.lateness ?? 0) > 0 ? 'Late' : null),
		at: point.timestamp
	}));
}

export interface PageOf {
	page: number;
	pages: number;
	total: number;
}

/** The 1-based page number from `?page=`, 1 when absent or malformed. */
export function pageParam(url: URL): number {
	const page = Number(url.searchParams.get('page') ?? '1');
	return Number.isInteger(page) && page >= 1 && page <= 100_000 ? page : 1;
}

export const pagesOf = (total: number, page: number, size = LIST_PAGE_SIZE): PageOf => ({ page, pages: Math.max(1, Math.ceil(total / size)), total });
