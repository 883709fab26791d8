/** /runs: the runs table for a view kept in the URL (filters, sort, page), with the filter choices. */
import { redirect } from '@sveltejs/kit';
import type { PrefectClient } from '#lib/prefect/client.ts';
import { namesOf, toRunView, type RunView } from '#lib/prefect/models.ts';
import { parseRunsQuery, runSorts, runsHref, RUNS_PAGE_SIZE, serializeRunsQuery, toFlowRunFilter, type RunsQuery } from '#lib/runs/query.ts';
import { config } from './config.ts';
import { findStaleRuns } from './run-health.ts';
import { countDescendants, type ChildCount } from './run-tree.ts';
import { namesFor } from './lookups.ts';

export interface RunRow {
	run: RunView;
	children: ChildCount | null;
	/** Why no one executes this run any more (docs/operations.md), or null. */
	stale: string | null;
}

export interface Choice {
	value: string;
	label: string;
}

export interface RunsPage {
	query: RunsQuery;
	rows: RunRow[];
	/** Runs matching the view (the count is bounded by the view's time window). */
	total: number;
	pages: number;
	choices: { flows: Choice[]; deployments: Choice[]; pools: Choice[] };
}

/**
 * Redirects to the view's canonical URL first. In parallel: the page of runs, their count, and the choices for the filters (flows, deployments, pools);
 * then in parallel: children counts (2 batched calls) and names the choices did not cover (2 batched calls).
 */
export async function loadRunsPage(prefect: PrefectClient, params: URLSearchParams, now = new Date()): Promise<RunsPage> {
	const query = parseRunsQuery(params);
	// One URL per view: the filter form also submits empty fields, and shared links may carry stale values.
	// (A form action's own `/name` parameter is not part of the view.)
	const viewParams = new URLSearchParams([...params].filter(([key]) => !key.startsWith('/')));
	if (serializeRunsQuery(query).toString() !== viewParams.toString()) redirect(302, runsHref(query));
	const filter = toFlowRunFilter(query, now);
	const [runs, total, flows, deployments, pools] = await Promise.all([
		prefect.flowRuns.filter({ ...filter, sort: runSorts[query.sort].prefect, limit: RUNS_PAGE_SIZE, offset: (query.page - 1) * RUNS_PAGE_SIZE }),
		prefect.flowRuns.count(filter),
		prefect.flows.filter({ sort: 'NAME_ASC' }),
		prefect.deployments.filter({ sort: 'NAME_ASC' }),
		prefect.workPools.filter({})
	]);
	const known = namesOf(flows, deployments);
	const [children, names, stale] = await Promise.all([
		countDescendants(
			prefect,
			runs.map((run) => run.id)
		),
		namesFor(prefect, runs, known),
		// A hint: when it cannot be judged the list still shows.
		findStaleRuns(prefect, runs, { staleAfterMs: config().FLOWDECK_STALE_AFTER_SECONDS * 1000 }).catch(() => [])
	]);
	const staleReason = new Map(stale.map((run) => [run.id, run.reason]));
	return {
		query,
		rows: runs.map((run) => ({ run: toRunView(run, names), children: children.get(run.id) ?? null, stale: staleReason.get(run.id) ?? null })),
		total,
		pages: Math.max(1, Math.ceil(total / RUNS_PAGE_SIZE)),
		choices: {
			flows: flows.map((flow) => ({ value: flow.id, label: flow.name })),
			deployments: deployments.map((deployment) => ({ value: deployment.id, label: `${known.flows.get(deployment.flow_id) ?? '?'}/${deployment.name}` })),
			pools: pools.map((pool) => ({ value: pool.name, label: pool.name }))
		}
	};
}
