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
	name: string;
	state: StateView;
	/** Start, else expected start. */
	at: string | null;
}

export const RECENT_WINDOW_DAYS = 7;
const RECENT_MAX_RUNS = 1000;

/**
 * The latest runs (at most 1000, last 7 days, newest first) grouped by flow and by deployment: one query paged
 * at most 5 times, whatever the number of flows, instead of a request per flow.
 */
export async function recentRuns(prefect: PrefectClient, now: Date) {
	const after = new Date(now.getTime() - RECENT_WINDOW_DAYS * 86_400_000).toISOString();
	const runs = await prefect.flowRuns.filterAll(
		{ flow_runs: { expected_start_time: { after_: after, before_: now.toISOString() } }, sort: 'EXPECTED_START_TIME_DESC' },
		RECENT_MAX_RUNS
	);
	const byFlow = new Map<string, RecentRun[]>();
	const byDeployment = new Map<string, RecentRun[]>();
	const add = (map: Map<string, RecentRun[]>, key: string, run: RecentRun) => {
		const list = map.get(key);
		if (list) list.push(run);
		else map.set(key, [run]);
	};
	for (const run of runs) {
		const recent = { id: run.id, name: run.name, state: toStateView(run.state_type, run.state_name), at: run.start_time ?? run.expected_start_time };
		add(byFlow, run.flow_id, recent);
		if (run.deployment_id) add(byDeployment, run.deployment_id, recent);
	}
	return { byFlow, byDeployment, capped: runs.length >= RECENT_MAX_RUNS };
}
