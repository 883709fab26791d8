/**
 * /runs/[id]: a run with its state history, task runs, descendants and log tail, as plain view models that
 * each component of the page renders (and that a live update can replace part by part).
 */
import type { PrefectClient } from '#lib/prefect/client.ts';
import { toLogView, toStateChangeView, type LogView, type RunView, type StateChangeView, type TaskRunView } from '#lib/prefect/models.ts';
import { logLevels } from '#lib/format.ts';
import type { RunTreeSummary, TreeRow } from '#lib/runs/tree.ts';
import { logCriteria, readRun } from './run-read.ts';
import { loadRunTree } from './run-tree.ts';

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
	taskRuns: TaskRunView[];
	taskRunsTruncated: boolean;
	/** Every descendant with its parent: the live page rebuilds `tree` from these as they change. */
	rows: TreeRow[];
	tree: RunTreeSummary;
	logs: LogTail;
}

export function parseLogLevel(raw: string | null): number {
	const level = Number(raw);
	return logLevels.some((known) => known.level === level) ? level : 0;
}

/** The run's read (server/run-read.ts: tree, task runs, names, the log tail, the parent run) and, in parallel, its state history. */
export async function loadRunDetail(prefect: PrefectClient, id: string, level = 0): Promise<RunDetail> {
	const [read, states] = await Promise.all([
		readRun(prefect, id, { parent: true, logs: (tree) => prefect.logs.filter({ logs: logCriteria(tree, level), sort: 'TIMESTAMP_DESC', limit: LOG_TAIL }) }),
		prefect.flowRuns.states(id)
	]);
	return {
		run: read.run,
		parentRunId: read.parentRunId,
		states: states.map(toStateChangeView).sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp)),
		taskRuns: read.taskRuns,
		taskRunsTruncated: read.taskRunsTruncated,
		rows: read.rows,
		tree: read.summary,
		logs: { level, logs: [...read.logs].reverse(), truncated: read.logs.length === LOG_TAIL }
	};
}

const DOWNLOAD_MAX = 10_000;

/** Every log line of a run and its descendants (up to 10 000, oldest first) as plain text, for download. */
export async function runLogText(prefect: PrefectClient, id: string, level = 0): Promise<string> {
	const logs = await prefect.logs.filterAll({ logs: logCriteria(await loadRunTree(prefect, id), level), sort: 'TIMESTAMP_ASC' }, DOWNLOAD_MAX);
	return logs
		.map(toLogView)
		.map((log) => `${log.timestamp} ${log.level.padEnd(8)} ${log.logger} - ${log.message}`)
		.join('\n')
		.concat(logs.length ? '\n' : '');
}
