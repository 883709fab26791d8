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
import { isFinalState } from '#lib/prefect/states.ts';
import type { StaleRun } from '#lib/runs/stale.ts';
import { summarizeTree, type RunTreeSummary, type TreeRow } from '#lib/runs/tree.ts';
import { namesFor } from './lookups.ts';
import { logCriteriaOf } from './run-logs.ts';
import { loadRunTree, refreshRunTree, runRows, treeIsFinal, type RunTree } from './run-tree.ts';

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
	/**
	 * The last read of this run (a feed's): the tree is read again only where it can change (refreshRunTree), and
	 * the task runs only while the run is under way or has just ended (`taskRuns`: when that read had them all).
	 */
	previous?: { tree: RunTree; taskRuns?: TaskRunView[]; artifacts: RunArtifacts };
	/**
	 * With a `previous` read: whether the details (task runs, log lines, artifacts) are due this round. They are read
	 * anyway when the whole tree has just become final, so the end shows its last states and lines at once.
	 */
	detailsDue?: boolean;
	/** The log lines wanted, once the tree (every run id) is known. */
	logs: (tree: RunTree) => Promise<Log[]>;
	/** The artifacts wanted, once the tree is known (the feed reads them again only when a run ended). */
	artifacts: (tree: RunTree) => Promise<RunArtifacts>;
}

/**
 * Two rounds: the tree and the first TASK_RUNS task runs in parallel, then names, log lines and artifacts in
 * parallel. With a `previous` read and no details due, the tree (and names new to it) only, and nothing while the
 * whole tree is final: `detailed` says which.
 */
export async function readRun(prefect: PrefectClient, id: string, options: RunReadOptions): Promise<RunRead & { detailed: boolean }> {
	const previous = options.previous;
	const readTasks = () => prefect.taskRuns.filter({ flow_runs: { id: { any_: [id] } }, sort: 'EXPECTED_START_TIME_ASC', limit: TASK_RUNS }).then((tasks) => tasks.map(toTaskRunView));
	const known = previous?.taskRuns;
	// A run that was already final has the same task runs as at the last read, unless it has been set going again.
	const settled = known && isFinalState(previous.tree.root.state_type);
	// A tree all final changes only when a run of it is set going again (a retry): it is read with the details then.
	const sameTree = previous && treeIsFinal(previous.tree) && !options.detailsDue;
	const [tree, tasksRead] = await Promise.all([
		!previous ? loadRunTree(prefect, id, { withLinks: true }) : sameTree ? previous.tree : refreshRunTree(prefect, previous.tree),
		!known || (options.detailsDue && !settled) ? readTasks() : undefined
	]);
	const detailed = !previous || options.detailsDue === true || (!treeIsFinal(previous.tree) && treeIsFinal(tree));
	const taskRuns = tasksRead ?? (detailed && !(settled && isFinalState(tree.root.state_type)) ? await readTasks() : known!);
	const [names, logs, artifacts] = await Promise.all([
		namesFor(prefect, [tree.root, ...tree.levels.flat()], options.names),
		detailed ? options.logs(tree) : [],
		detailed ? options.artifacts(tree) : previous!.artifacts
	]);
	const run = toRunView(tree.root, names);
	const rows = runRows(tree, names);
	return { tree, names, run, rows, summary: summarizeTree(run, rows), taskRuns, logs: logs.map(toLogView), artifacts, detailed };
}
