/**
 * One read of a run, as the live feed makes it each round: the run with its descendants (a batched query per level),
 * its task runs, the names of every flow and deployment shown, log lines and artifacts of the whole tree. The run
 * page reads the same things in parts it streams (server/run-detail.ts) and hands them over as a RunRead, so
 * its stream starts from what it rendered.
 */
import { toArtifactView, type RunArtifacts } from '#lib/artifacts/artifacts.ts';
import type { PrefectClient } from '#lib/prefect/client.ts';
import { toLogView, toRunView, toTaskRunView, type LogView, type NameLookup, type RunView, type TaskRunView } from '#lib/prefect/models.ts';
import type { Log } from '#lib/prefect/schemas.ts';
import type { StaleRun } from '#lib/runs/stale.ts';
import { summarizeTree, type RunTreeSummary, type TreeRow } from '#lib/runs/tree.ts';
import { namesFor } from './lookups.ts';
import { logCriteriaOf } from './run-logs.ts';
import { loadRunTree, runRows, type RunTree } from './run-tree.ts';

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
	/** The lines `logs` read, in the order it read them. */
	logs: LogView[];
	artifacts: RunArtifacts;
}

/** A run page's read, handed to the run's live feed so that its stream starts from what the page rendered. */
export interface RenderedRun {
	read: RunRead;
	/** The log lines `read.logs` shows, as Prefect sent them (a feed follows on from them), oldest first. */
	lines: Log[];
	/** The most lines the page read: fewer means there are no older ones. */
	lineLimit: number;
	/** The log level they were read at. */
	level: number;
	/** The tree's stale runs as the page judged them, and when (Date.now()): the feed re-judges them from then on. */
	stale: StaleRun[];
	readAt: number;
}

export interface RunReadOptions {
	/** Names already known (a feed keeps them from tick to tick): only the others are looked up. */
	names?: NameLookup;
	/** Sizes of the tree's levels at the last read (a feed's): big levels are counted with their first page. */
	sizes?: number[];
	/** The log lines wanted, once the tree (every run id) is known. */
	logs: (tree: RunTree) => Promise<Log[]>;
	/** The artifacts wanted, once the tree is known (the feed reads them again only when a run ended). */
	artifacts: (tree: RunTree) => Promise<RunArtifacts>;
}

/** Two rounds: the tree and the first TASK_RUNS task runs in parallel, then names and log lines in parallel. */
export async function readRun(prefect: PrefectClient, id: string, options: RunReadOptions): Promise<RunRead> {
	const [tree, tasks] = await Promise.all([
		loadRunTree(prefect, id, { withLinks: true, sizes: options.sizes }),
		prefect.taskRuns.filter({ flow_runs: { id: { any_: [id] } }, sort: 'EXPECTED_START_TIME_ASC', limit: TASK_RUNS })
	]);
	const [names, logs, artifacts] = await Promise.all([namesFor(prefect, [tree.root, ...tree.levels.flat()], options.names), options.logs(tree), options.artifacts(tree)]);
	const run = toRunView(tree.root, names);
	const rows = runRows(tree, names);
	return { tree, names, run, rows, summary: summarizeTree(run, rows), taskRuns: tasks.map(toTaskRunView), logs: logs.map(toLogView), artifacts };
}
