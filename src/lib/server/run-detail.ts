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
	toTaskRunView,
	type LogView,
	type RunView,
	type StateChangeView,
	type TaskRunView
} from '#lib/prefect/models.ts';
import type { StateType } from '#lib/prefect/schemas.ts';
import { namesFor, requireUuid } from './lookups.ts';
import { failedChildren } from './run-actions.ts';
import { fanOutRuns, loadRunTree, treeNodes, type RunNode } from './run-tree.ts';

export const LOG_TAIL = 200;
const TASK_RUNS = 200;

export interface RunTreeSummary {
	nodes: RunNode[];
	/** What the counts are of: the fan-out's runs (tables) when there are any, else every subflow run. */
	unit: 'fan-out runs' | 'subflow runs';
	unitStates: Partial<Record<StateType, number>>;
	unitCount: number;
	/** Failed leaf runs a re-run would repeat. */
	failedChildren: number;
}

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
	tree: RunTreeSummary;
	logs: LogTail;
}

export function parseLogLevel(raw: string | null): number {
	const level = Number(raw);
	return logLevels.some((known) => known.level === level) ? level : 0;
}

/**
 * In parallel: the run with its descendants (a batched query per level), its state history, task runs, log
 * tail, and the parent run (via the parent task run); then the names of every flow and deployment shown.
 */
export async function loadRunDetail(prefect: PrefectClient, rawId: string, level = 0): Promise<RunDetail> {
	const id = requireUuid(rawId, 'flow run');
	const [tree, states, tasks, logs] = await Promise.all([
		loadRunTree(prefect, id, { withLinks: true }),
		prefect.flowRuns.states(id),
		prefect.taskRuns.filter({ flow_runs: { id: { any_: [id] } }, sort: 'EXPECTED_START_TIME_ASC', limit: TASK_RUNS }),
		prefect.logs.filter({ logs: { flow_run_id: { any_: [id] }, ...(level ? { level: { ge_: level } } : {}) }, sort: 'TIMESTAMP_DESC', limit: LOG_TAIL })
	]);
	const parentTaskRunId = tree.root.parent_task_run_id;
	const [names, parentTask] = await Promise.all([
		namesFor(prefect, [tree.root, ...tree.levels.flat()]),
		parentTaskRunId ? prefect.taskRuns.filter({ task_runs: { id: { any_: [parentTaskRunId] } }, limit: 1 }) : Promise.resolve([])
	]);
	const fanOut = fanOutRuns(tree);
	const units = fanOut.length ? fanOut : tree.levels.flat();
	const unitStates: Partial<Record<StateType, number>> = {};
	for (const run of units) if (run.state_type) unitStates[run.state_type] = (unitStates[run.state_type] ?? 0) + 1;
	return {
		run: toRunView(tree.root, names),
		parentRunId: parentTask[0]?.flow_run_id ?? null,
		states: states.map(toStateChangeView).sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp)),
		taskRuns: tasks.map(toTaskRunView),
		taskRunsTruncated: tasks.length === TASK_RUNS,
		tree: {
			nodes: treeNodes(tree, names),
			unit: fanOut.length ? 'fan-out runs' : 'subflow runs',
			unitStates,
			unitCount: units.length,
			failedChildren: failedChildren(tree).length
		},
		logs: { level, logs: logs.map(toLogView).reverse(), truncated: logs.length === LOG_TAIL }
	};
}

const DOWNLOAD_MAX = 10_000;

/** Every log line of a run (up to 10 000, oldest first) as plain text, for download. */
export async function runLogText(prefect: PrefectClient, rawId: string, level = 0): Promise<string> {
	const id = requireUuid(rawId, 'flow run');
	const [, logs] = await Promise.all([
		prefect.flowRuns.get(id),
		prefect.logs.filterAll({ logs: { flow_run_id: { any_: [id] }, ...(level ? { level: { ge_: level } } : {}) }, sort: 'TIMESTAMP_ASC' }, DOWNLOAD_MAX)
	]);
	return logs
		.map(toLogView)
		.map((log) => `${log.timestamp} ${log.level.padEnd(8)} ${log.logger} - ${log.message}`)
		.join('\n')
		.concat(logs.length ? '\n' : '');
}
