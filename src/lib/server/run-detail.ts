/**
 * /runs/[id]: a run with its state history, task runs, descendants and log tail, as plain view models that
 * each component of the page renders (and that a live update can replace part by part).
 *
 * The page is streamed: the header (the run, where it came from, its state history) is read first and rendered at
 * once; the tree, the task runs, the log tail, the artifacts and the stale-run check follow as parts, each as soon as
 * its own reads are done. Every part reads what it needs once (the tree is read once, for the page, the stale check,
 * the log and artifact queries and the live stream's first round).
 */
import type { PrefectClient } from '#lib/prefect/client.ts';
import { toLogView, toRunView, toStateChangeView, type LogView, type NameLookup, type RunView, type StateChangeView, type TaskRunView } from '#lib/prefect/models.ts';
import type { RunArtifacts } from '#lib/artifacts/artifacts.ts';
import type { FlowRun, Log } from '#lib/prefect/schemas.ts';
import { logLevels } from '#lib/format.ts';
import { defaultTaskQuery, isDefaultTaskQuery, type TaskQuery } from '#lib/runs/task-query.ts';
import { summarizeTree, type TreeRow } from '#lib/runs/tree.ts';
import { namesFor } from './lookups.ts';
import { loadArtifacts, logCriteria, type RenderedRun, type RunRead } from './run-read.ts';
import type { StaleRun } from '#lib/runs/stale.ts';
import { staleRunsIn } from './run-health.ts';
import { loadRunTree, runRows, type RunTree } from './run-tree.ts';
import { loadTaskRunsPage, type TaskRunsPage } from './task-runs.ts';

export const LOG_TAIL = 200;

export interface LogTail {
	level: number;
	logs: LogView[];
	/** More logs exist before the tail (download them all). */
	truncated: boolean;
}

/** What the page shows first, before any part: read in two rounds whatever the size of the run. */
export interface RunHeaderData {
	run: RunView;
	parentRunId: string | null;
	states: StateChangeView[];
	/** The log level of the page's log tail and stream. */
	level: number;
}

export interface RunTreePart {
	/** Every descendant with its parent: the page builds the tree from these (and the live page rebuilds it as they change). */
	rows: TreeRow[];
	/** The size bound when the run has more descendants than the page loads (tree, log tail and download then cover only those). */
	treeTruncatedAt: number | null;
}

export interface RunTasksPart {
	/** The task runs of the page's view (`taskPage` says which: filters, page, total). */
	taskRuns: TaskRunView[];
	taskPage: Omit<TaskRunsPage, 'tasks'>;
}

/** The parts that follow the header: promises while the page streams, values when it is rendered whole. */
export interface RunParts<Wrap extends 'promise' | 'value' = 'promise'> {
	tree: Wrap extends 'promise' ? Promise<RunTreePart> : RunTreePart;
	tasks: Wrap extends 'promise' ? Promise<RunTasksPart> : RunTasksPart;
	logs: Wrap extends 'promise' ? Promise<LogTail> : LogTail;
	artifacts: Wrap extends 'promise' ? Promise<RunArtifacts> : RunArtifacts;
	stale: Wrap extends 'promise' ? Promise<StaleRun[]> : StaleRun[];
}

export interface RunPageRead {
	header: RunHeaderData;
	parts: RunParts;
	/** Everything the page read, as the run's live feed reads it: its stream starts from this (server/live/run-feed.ts). */
	read: Promise<RenderedRun>;
}

export function parseLogLevel(raw: string | null): number {
	const level = Number(raw);
	return logLevels.some((known) => known.level === level) ? level : 0;
}

/** Every part awaited: the page rendered whole (a form action's answer, a browser without JavaScript). */
export async function resolveParts(parts: RunParts): Promise<RunParts<'value'>> {
	const [tree, tasks, logs, artifacts, stale] = await Promise.all([parts.tree, parts.tasks, parts.logs, parts.artifacts, parts.stale]);
	return { tree, tasks, logs, artifacts, stale };
}

/**
 * Reads the run page: returns once the header is read, with the parts still on their way. Rounds: the run and
 * its state history; then the names of its flow and deployment and its parent (the header), and in parallel the
 * page's task runs and the tree level by level, then the names of the descendants, the log tail and the artifacts.
 */
export async function loadRunPage(prefect: PrefectClient, id: string, options: { level?: number; taskQuery?: TaskQuery; staleAfterMs: number }): Promise<RunPageRead> {
	const level = options.level ?? 0;
	const taskQuery = options.taskQuery ?? defaultTaskQuery;
	const rootRead = prefect.flowRuns.get(id);
	const statesRead = prefect.flowRuns.states(id);
	// Started before the header is awaited: it must not reject unobserved when the run is unknown.
	statesRead.catch(() => undefined);
	const root = await rootRead;
	const rootNames = namesFor(prefect, [root]);
	// The parts' reads start once the run is known to exist (on a busy Prefect they would slow the header's).
	const tasksRead = loadTaskRunsPage(prefect, id, taskQuery);
	const treeRead = loadRunTree(prefect, id, { withLinks: true, root });
	for (const started of [tasksRead, treeRead]) started.catch(() => undefined);
	const [names, parentRunId, states] = await Promise.all([rootNames, parentRunOf(prefect, root), statesRead]);
	const run = toRunView(root, names);

	const named = treeRead.then(async (tree) => ({ tree, names: await namesFor(prefect, tree.levels.flat(), names) }));
	const rawLogs = treeRead.then((tree) => prefect.logs.filter({ logs: logCriteria(tree, level), sort: 'TIMESTAMP_DESC', limit: LOG_TAIL }).then((logs): Log[] => logs.reverse()));
	const artifacts = treeRead.then((tree) => loadArtifacts(prefect, tree));
	const tree = named.then(({ tree, names: all }): RunTreePart => ({ rows: runRows(tree, all), treeTruncatedAt: tree.truncatedAt }));
	const tasks = tasksRead.then(({ tasks: taskRuns, query, total, pages }): RunTasksPart => ({ taskRuns, taskPage: { query, total, pages } }));
	const logs = rawLogs.then((lines): LogTail => ({ level, logs: lines.map(toLogView), truncated: lines.length === LOG_TAIL }));
	// Staleness is a hint: if it cannot be judged now the page still shows the run.
	const stale = treeRead.then((loaded) => staleRunsIn(prefect, loaded, options.staleAfterMs)).catch((): StaleRun[] => []);
	const read = Promise.all([named, tree, tasks, rawLogs, artifacts, stale]).then(([{ tree: loaded, names: all }, { rows }, page, lines, found, staleRuns]): RenderedRun => ({
		read: runRead(loaded, all, rows, isDefaultTaskQuery(taskQuery) ? page.taskRuns : [], lines, found),
		lines,
		lineLimit: LOG_TAIL,
		level,
		stale: staleRuns,
		readAt: Date.now()
	}));
	for (const part of [tree, tasks, logs, artifacts, read]) part.catch(() => undefined);
	return {
		header: { run, parentRunId, states: states.map(toStateChangeView).sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp)), level },
		parts: { tree, tasks, logs, artifacts, stale },
		read
	};
}

/** The flow run this one was started from: through its parent task run (Prefect 2.13.7 keeps no direct link). */
async function parentRunOf(prefect: PrefectClient, root: FlowRun): Promise<string | null> {
	if (!root.parent_task_run_id) return null;
	const [task] = await prefect.taskRuns.filter({ task_runs: { id: { any_: [root.parent_task_run_id] } }, limit: 1 });
	return task?.flow_run_id ?? null;
}

/**
 * The page's reads as one RunRead (server/run-read.ts), what the live feed's own round returns. `taskRuns`: the
 * page's when it shows the feed's view (the first task runs, unfiltered), else none (the feed's next round adds them).
 */
function runRead(tree: RunTree, names: NameLookup, rows: TreeRow[], taskRuns: TaskRunView[], logs: Log[], artifacts: RunArtifacts): RunRead {
	const run = toRunView(tree.root, names);
	return { tree, names, run, rows, summary: summarizeTree(run, rows), taskRuns, logs: logs.map(toLogView), artifacts };
}
