/**
 * One read of a run, for the run page's load and for its live feed: the run with its descendants (a batched query per
 * level), its task runs, the names of every flow and deployment shown, log lines and artifacts of the whole tree. What differs
 * between the two (which log lines, whether to find the parent run) is a parameter; the rest is the same code.
 */
import { toArtifactView, type RunArtifacts } from '#lib/artifacts/artifacts.ts';
import type { PrefectClient } from '#lib/prefect/client.ts';
import { toLogView, toRunView, toTaskRunView, type LogView, type NameLookup, type RunView, type TaskRunView } from '#lib/prefect/models.ts';
import type { Log } from '#lib/prefect/schemas.ts';
import { summarizeTree, type RunTreeSummary, type TreeRow } from '#lib/runs/tree.ts';
import type { TaskQuery } from '#lib/runs/task-query.ts';
import { namesFor } from './lookups.ts';
import { logCriteriaOf } from './run-logs.ts';
import { loadRunTree, runRows, type RunTree } from './run-tree.ts';
import { loadTaskRunsPage, type TaskRunsPage } from './task-runs.ts';

/** Task runs the live feed follows each tick: the first by expected start (the page's other views re-read their page). */
export const TASK_RUNS = 200;

/** The logs of a run and all its descendants (the tables of a fan-out log in their own runs), at `level` and up. */
export function logCriteria(tree: RunTree, level: number) {
	return logCriteriaOf([tree.root.id, ...tree.levels.flat().map((run) => run.id)], level);
}

/** Artifacts the page shows at most, newest first. */
export const ARTIFACTS_SHOWN = 50;

/**
 * The artifacts of a run and its descendants (the ETL's summary is written by its final phase, a subflow), one
 * call; Prefect's "result" artifacts (a record per task result) are left out: they are not for reading.
 */
export async function loadArtifacts(prefect: PrefectClient, tree: RunTree): Promise<RunArtifacts> {
	const found = await prefect.artifacts.filter({
		artifacts: { flow_run_id: { any_: [tree.root.id, ...tree.levels.flat().map((run) => run.id)] }, type: { not_any_: ['result'] } },
		sort: 'CREATED_DESC',
		limit: ARTIFACTS_SHOWN + 1
	});
	return { artifacts: found.slice(0, ARTIFACTS_SHOWN).map(toArtifactView), truncated: found.length > ARTIFACTS_SHOWN };
}

export interface RunRead {
	tree: RunTree;
	names: NameLookup;
	run: RunView;
	rows: TreeRow[];
	summary: RunTreeSummary;
	taskRuns: TaskRunView[];
	/** With `tasks`: which page of the task runs `taskRuns` is (filters, page, total). */
	taskPage: Omit<TaskRunsPage, 'tasks'> | null;
	/** The lines `logs` read, in the order it read them. */
	logs: LogView[];
	artifacts: RunArtifacts;
	/** The flow run this one was started from; only read with `parent`. */
	parentRunId: string | null;
}

export interface RunReadOptions {
	/** Names already known (a feed keeps them from tick to tick): only the others are looked up. */
	names?: NameLookup;
	/** The log lines wanted, once the tree (every run id) is known. */
	logs: (tree: RunTree) => Promise<Log[]>;
	/** The artifacts wanted, once the tree is known (the feed reads them again only when a run ended). */
	artifacts: (tree: RunTree) => Promise<RunArtifacts>;
	/** Also find the run this one was started from (through its parent task run). */
	parent?: boolean;
	/** A page of the task runs (the run page's view); without it, the first TASK_RUNS (the live feed). */
	tasks?: TaskQuery;
}

/** Two rounds: the tree and the task runs in parallel, then names, log lines (and the parent) in parallel. */
export async function readRun(prefect: PrefectClient, id: string, options: RunReadOptions): Promise<RunRead> {
	const [tree, page] = await Promise.all([
		loadRunTree(prefect, id, { withLinks: true }),
		options.tasks
			? loadTaskRunsPage(prefect, id, options.tasks)
			: prefect.taskRuns.filter({ flow_runs: { id: { any_: [id] } }, sort: 'EXPECTED_START_TIME_ASC', limit: TASK_RUNS }).then((tasks) => tasks.map(toTaskRunView))
	]);
	const [tasks, taskPage] = Array.isArray(page) ? [page, null] : [page.tasks, { query: page.query, total: page.total, pages: page.pages }];
	const parentTaskRunId = options.parent ? tree.root.parent_task_run_id : null;
	const [names, logs, artifacts, parentTask] = await Promise.all([
		namesFor(prefect, [tree.root, ...tree.levels.flat()], options.names),
		options.logs(tree),
		options.artifacts(tree),
		parentTaskRunId ? prefect.taskRuns.filter({ task_runs: { id: { any_: [parentTaskRunId] } }, limit: 1 }) : Promise.resolve([])
	]);
	const run = toRunView(tree.root, names);
	const rows = runRows(tree, names);
	return {
		tree,
		names,
		run,
		rows,
		summary: summarizeTree(run, rows),
		taskRuns: tasks,
		taskPage,
		logs: logs.map(toLogView),
		artifacts,
		parentRunId: parentTask[0]?.flow_run_id ?? null
	};
}
