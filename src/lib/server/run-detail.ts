/**
 * /runs/[id]: a run with its state history, task runs, descendants and log tail, as plain view models that
 * each component of the page renders (and that a live update can replace part by part).
 */
import type { PrefectClient } from '#lib/prefect/client.ts';
import { toStateChangeView, type LogView, type RunView, type StateChangeView, type TaskRunView } from '#lib/prefect/models.ts';
import type { RunArtifacts } from '#lib/artifacts/artifacts.ts';
import { logLevels } from '#lib/format.ts';
import { defaultTaskQuery, type TaskQuery } from '#lib/runs/task-query.ts';
import type { RunTreeSummary, TreeRow } from '#lib/runs/tree.ts';
import { loadArtifacts, logCriteria, readRun } from './run-read.ts';
import type { TaskRunsPage } from './task-runs.ts';

export const LOG_TAIL = 200;

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
	rows: TreeRow[];
	tree: RunTreeSummary;
	/** The size bound when the run has more descendants than the page loads (tree, log tail and download then cover only those). */
	treeTruncatedAt: number | null;
	logs: LogTail;
	artifacts: RunArtifacts;
}

export function parseLogLevel(raw: string | null): number {
	const level = Number(raw);
	return logLevels.some((known) => known.level === level) ? level : 0;
}

/** The run's read (server/run-read.ts: tree, the page's task runs, names, the log tail, artifacts, the parent run) and, in parallel, its state history. */
export async function loadRunDetail(prefect: PrefectClient, id: string, level = 0, taskQuery: TaskQuery = defaultTaskQuery): Promise<RunDetail> {
	const [read, states] = await Promise.all([
		readRun(prefect, id, {
			parent: true,
			tasks: taskQuery,
			logs: (tree) => prefect.logs.filter({ logs: logCriteria(tree, level), sort: 'TIMESTAMP_DESC', limit: LOG_TAIL }),
			artifacts: (tree) => loadArtifacts(prefect, tree)
		}),
		prefect.flowRuns.states(id)
	]);
	return {
		run: read.run,
		parentRunId: read.parentRunId,
		states: states.map(toStateChangeView).sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp)),
		taskRuns: read.taskRuns,
		taskPage: read.taskPage ?? { query: taskQuery, total: read.taskRuns.length, pages: 1 },
		rows: read.rows,
		tree: read.summary,
		treeTruncatedAt: read.tree.truncatedAt,
		logs: { level, logs: [...read.logs].reverse(), truncated: read.logs.length === LOG_TAIL },
		artifacts: read.artifacts
	};
}
