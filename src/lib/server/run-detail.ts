/**
 * /runs/[id]: a run with its state history, task runs, descendants and log tail, as plain view models that
 * each component of the page renders (and that a live update can replace part by part).
 */
import type { PrefectClient } from '#lib/prefect/client.ts';
import {
	logLevels,
	toLogView,
	toRunView,
	toStateChangeView,
	type LogView,
	type RunView,
	type StateChangeView,
	type TaskRunView
} from '#lib/prefect/models.ts';
import { toArtifactView, type ArtifactView } from '#lib/artifacts/artifacts.ts';
import { summarizeTree, type RunRow, type RunTreeSummary } from '#lib/runs/tree.ts';
import { namesFor, requireUuid } from './lookups.ts';
import { loadRunTree, runRows, type RunTree } from './run-tree.ts';
import { logCriteriaOf } from './run-logs.ts';
import { loadTaskRunsPage, type TaskRunsPage } from './task-runs.ts';
import { defaultTaskQuery, type TaskQuery } from '#lib/runs/task-query.ts';

export const LOG_TAIL = 200;
/** Task runs the live feed follows each tick (the first by expected start; other views re-read their page). */
export const TASK_RUNS = 200;

export interface LogTail {
	level: number;
	logs: LogView[];
	/** More logs exist before the tail (download them all). */
	truncated: boolean;
}

export interface RunDetail {
	run: RunView;
	parentRunId: string | null;
	states: StateChangeView[];
	/** The task runs of the page's view (`taskPage` says which: filters, page, total). */
	taskRuns: TaskRunView[];
	taskPage: Omit<TaskRunsPage, 'tasks'>;
	/** Every descendant with its parent: the live page rebuilds `tree` from these as they change. */
	rows: RunRow[];
	tree: RunTreeSummary;
	/** The size bound when the run has more descendants than the page loads (tree, log tail and download then cover only those). */
	treeTruncatedAt: number | null;
	logs: LogTail;
	artifacts: RunArtifacts;
}

export interface RunArtifacts {
	artifacts: ArtifactView[];
	/** More exist than the page shows (the newest first). */
	truncated: boolean;
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

export function parseLogLevel(raw: string | null): number {
	const level = Number(raw);
	return logLevels.some((known) => known.level === level) ? level : 0;
}

/**
 * In parallel: the run with its descendants (a batched query per level), its state history, task runs, log
 * tail, and the parent run (via the parent task run); then the names of every flow and deployment shown.
 */
export async function loadRunDetail(prefect: PrefectClient, rawId: string, level = 0, taskQuery: TaskQuery = defaultTaskQuery): Promise<RunDetail> {
	const id = requireUuid(rawId, 'flow run');
	const [tree, states, { tasks, ...taskPage }] = await Promise.all([
		loadRunTree(prefect, id, { withLinks: true }),
		prefect.flowRuns.states(id),
		loadTaskRunsPage(prefect, id, taskQuery)
	]);
	const parentTaskRunId = tree.root.parent_task_run_id;
	const [names, parentTask, logs, artifacts] = await Promise.all([
		namesFor(prefect, [tree.root, ...tree.levels.flat()]),
		parentTaskRunId ? prefect.taskRuns.filter({ task_runs: { id: { any_: [parentTaskRunId] } }, limit: 1 }) : Promise.resolve([]),
		prefect.logs.filter({ logs: logCriteria(tree, level), sort: 'TIMESTAMP_DESC', limit: LOG_TAIL }),
		loadArtifacts(prefect, tree)
	]);
	const run = toRunView(tree.root, names);
	const rows = runRows(tree, names);
	return {
		run,
		parentRunId: parentTask[0]?.flow_run_id ?? null,
		states: states.map(toStateChangeView).sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp)),
		taskRuns: tasks,
		taskPage,
		rows,
		tree: summarizeTree(run, rows),
		treeTruncatedAt: tree.truncatedAt,
		logs: { level, logs: logs.map(toLogView).reverse(), truncated: logs.length === LOG_TAIL },
		artifacts
	};
}

/** The logs of a run and all its descendants (the tables of a fan-out log in their own runs), at `level` and up. */
export function logCriteria(tree: RunTree, level: number) {
	return logCriteriaOf([tree.root.id, ...tree.levels.flat().map((run) => run.id)], level);
}
