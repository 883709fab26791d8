/** /flows and /flows/[id]: every flow with its recent run states; one flow's deployments, duration trend and runs. */
import type { PrefectClient } from '#lib/prefect/client.ts';
import {
	namesOf,
	toDeploymentView,
	toDurationPoints,
	toFlowView,
	toRunView,
	type DeploymentView,
	type DurationPointView,
	type FlowView,
	type RunView
} from '#lib/prefect/models.ts';
import { finalStateTypes } from '#lib/prefect/states.ts';
import { recentRuns, requireUuid, type RecentRun } from './lookups.ts';

export interface FlowRow {
	flow: FlowView;
	deployments: number;
	/** Up to 10 latest runs, oldest first (for the dots). */
	recent: RecentRun[];
	lastRun: RecentRun | null;
}

export interface FlowsTable {
	rows: FlowRow[];
	/** The recent-runs query hit its cap: older runs of quiet flows may be missing. */
	capped: boolean;
}

const DOTS = 10;

/** Three calls in parallel (flows, deployments, recent runs), whatever the number of flows. */
export async function loadFlowsTable(prefect: PrefectClient, now = new Date()): Promise<FlowsTable> {
	const [flows, deployments, recent] = await Promise.all([
		prefect.flows.filter({ sort: 'NAME_ASC' }),
		prefect.deployments.filter({}),
		recentRuns(prefect, now)
	]);
	const deploymentsOf = new Map<string, number>();
	for (const deployment of deployments) deploymentsOf.set(deployment.flow_id, (deploymentsOf.get(deployment.flow_id) ?? 0) + 1);
	const rows = flows.map((flow) => {
		const runs = recent.byFlow.get(flow.id) ?? [];
		return { flow: toFlowView(flow), deployments: deploymentsOf.get(flow.id) ?? 0, recent: runs.slice(0, DOTS).reverse(), lastRun: runs[0] ?? null };
	});
	return { rows, capped: recent.capped };
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
export async function loadFlowPage(prefect: PrefectClient, rawId: string): Promise<FlowPage> {
	const id = requireUuid(rawId, 'flow');
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
