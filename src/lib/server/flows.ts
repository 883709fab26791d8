/** /flows and /flows/[id]: every flow with its recent run states; one flow's deployments, duration trend and runs. */
import type { PrefectClient } from '#lib/prefect/client.ts';
import { namesOf, toDeploymentView, toDurationPoints, toFlowView, toRunView, type DeploymentView, type DurationPointView, type FlowView, type RunView } from '#lib/prefect/models.ts';
import { finalStateTypes } from '#lib/prefect/states.ts';
import { mapBounded } from './bounded.ts';
import { LIST_PAGE_SIZE, ROW_QUERIES_IN_FLIGHT, latestRuns, pagesOf, readMoment, type PageOf, type RecentRun } from './lookups.ts';

export interface FlowRow {
	flow: FlowView;
	deployments: number;
	/** Up to 10 latest runs, oldest first (for the dots). */
	recent: RecentRun[];
	lastRun: RecentRun | null;
}

export interface FlowsTable extends PageOf {
	rows: FlowRow[];
}

const DOTS = 10;

/**
 * One page of flows by name. In parallel: the flows of the page and their count; then, for the page's flows
 * only, their deployments (one call) and each flow's latest runs (one light query per row, bounded in flight):
 * exact at any number of runs, and the cost follows the page, not the data.
 */
export async function loadFlowsTable(prefect: PrefectClient, page = 1, now = readMoment(), size = LIST_PAGE_SIZE): Promise<FlowsTable> {
	const [flows, total] = await Promise.all([prefect.flows.filter({ sort: 'NAME_ASC', limit: size, offset: (page - 1) * size }), prefect.flows.count()]);
	const ids = flows.map((flow) => flow.id);
	const [deployments, recent] = await Promise.all([
		ids.length ? prefect.deployments.filterAll({ flows: { id: { any_: ids } } }) : [],
		mapBounded(ids, (id) => latestRuns(prefect, { flow: id }, DOTS, now), ROW_QUERIES_IN_FLIGHT)
	]);
	const deploymentsOf = new Map<string, number>();
	for (const deployment of deployments) deploymentsOf.set(deployment.flow_id, (deploymentsOf.get(deployment.flow_id) ?? 0) + 1);
	const rows = flows.map((flow, index) => {
		const runs = recent[index] ?? [];
		return { flow: toFlowView(flow), deployments: deploymentsOf.get(flow.id) ?? 0, recent: [...runs].reverse(), lastRun: runs[0] ?? null };
	});
	return { rows, ...pagesOf(total, page, size) };
}

export interface FlowPage {
	flow: FlowView;
	deployments: DeploymentView[];
	durations: DurationPointView[];
	runs: RunView[];
}

const TREND_RUNS = 100;
const LATEST_RUNS = 25;

/** Four calls in parallel: the flow, its deployments, the durations of its last 100 finished runs, its latest runs. */
export async function loadFlowPage(prefect: PrefectClient, id: string): Promise<FlowPage> {
	const byFlow = { flows: { id: { any_: [id] } } };
	const [flow, deployments, points, runs] = await Promise.all([
		prefect.flows.get(id),
		prefect.deployments.filter({ ...byFlow, sort: 'NAME_ASC' }),
		prefect.flowRuns.points({ ...byFlow, flow_runs: { state: { type: { any_: [...finalStateTypes] } } }, sort: 'START_TIME_DESC', limit: TREND_RUNS }),
		prefect.flowRuns.filter({ ...byFlow, sort: 'START_TIME_DESC', limit: LATEST_RUNS })
	]);
	const names = namesOf([flow], deployments);
	return {
		flow: toFlowView(flow),
		deployments: deployments.map((deployment) => toDeploymentView(deployment, names)),
		durations: toDurationPoints(points),
		runs: runs.map((run) => toRunView(run, names))
	};
}
