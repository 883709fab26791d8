/**
 * The live feed of one run: each tick reads the run with its descendants (a batched query per level), its task
 * runs and the new log lines of the whole tree, and yields only what changed. Upstream calls per tick stay
 * bounded whatever the number of children: levels x pages of 200, never a call per child.
 */
import type { PrefectClient } from '#lib/prefect/client.ts';
import { emptyNames, toLogView, toRunView, toTaskRunView, withoutDuration, type LogView, type NameLookup, type RunView, type TaskRunView } from '#lib/prefect/models.ts';
import { isFinalState } from '#lib/prefect/states.ts';
import type { StateType } from '#lib/prefect/schemas.ts';
import { countStates, summarizeTree, type RunRow, type RunTreeSummary } from '#lib/runs/tree.ts';
import { namesFor } from '../lookups.ts';
import { loadArtifacts, logCriteria, TASK_RUNS, type RunArtifacts } from '../run-detail.ts';
import { loadRunTree, runRows, treeIsActive, treeIsFinal, type RunTree } from '../run-tree.ts';
import { LogCursor } from '../log-cursor.ts';
import { stringifyJson } from '#lib/json.ts';
import type { Activity, Feed, FeedTick } from './hub.ts';

/** Log lines a snapshot carries (a client merges them by id, so a resumed view loses and repeats nothing). */
export const SNAPSHOT_LOG_LINES = 500;

/** How long after the end lines may still arrive: the worker's last lines, plus Prefect's 2 s log batches. */
const LATE_LINES_MS = 12_000;

export interface RunSnapshot {
	run: RunView;
	rows: RunRow[];
	tree: RunTreeSummary;
	taskRuns: TaskRunView[];
	logs: LogView[];
	artifacts: RunArtifacts;
}

export interface LevelCounts {
	depth: number;
	total: number;
	byState: Partial<Record<StateType, number>>;
}

export interface ChildrenChange {
	levels: LevelCounts[];
	progress: RunTreeSummary['progress'];
	/** New rows, and rows whose state or times changed, at any level. */
	changed: RunRow[];
}

const signature = (view: { durationSeconds: number }) => stringifyJson(withoutDuration(view));

export class RunFeed implements Feed {
	private readonly runId: string;
	private readonly level: number;
	private names: NameLookup = emptyNames;
	private current: RunSnapshot | undefined;
	/** Last signature of each thing sent (the root under its id too), to send only what changed. */
	private readonly rowSignatures = new Map<string, string>();
	private readonly taskSignatures = new Map<string, string>();
	private readonly logs: LogCursor;
	/** When this feed first saw the whole tree final (its clock), to wait for lines that arrive after the end. */
	private finalSeenAt: number | null = null;
	/** Runs of the tree seen final: artifacts are read again only when it changes (runs write them as they finish). */
	private finalRuns = -1;
	private artifacts: RunArtifacts = { artifacts: [], truncated: false };
	private artifactsSignature = '';

	constructor(runId: string, level = 0) {
		this.runId = runId;
		this.level = level;
		this.logs = new LogCursor(SNAPSHOT_LOG_LINES);
	}

	snapshot(): RunSnapshot | undefined {
		return this.current;
	}

	async tick(prefect: PrefectClient): Promise<FeedTick> {
		const tree = await loadRunTree(prefect, this.runId, { withLinks: true });
		const runs = [tree.root, ...tree.levels.flat()];
		const finalRuns = runs.filter((one) => isFinalState(one.state_type)).length;
		const [names, tasks, logs, artifacts] = await Promise.all([
			namesFor(prefect, runs, this.names),
			prefect.taskRuns.filter({ flow_runs: { id: { any_: [this.runId] } }, sort: 'EXPECTED_START_TIME_ASC', limit: TASK_RUNS }),
			this.logs.read(prefect, logCriteria(tree, this.level)),
			finalRuns !== this.finalRuns ? loadArtifacts(prefect, tree) : Promise.resolve(this.artifacts)
		]);
		this.finalRuns = finalRuns;
		this.artifacts = artifacts;
		this.names = names;
		const run = toRunView(tree.root, names);
		const rows = runRows(tree, names);
		const taskRuns = tasks.map(toTaskRunView);
		const summary = summarizeTree(run, rows);
		const newLines = logs.map(toLogView);
		const previousLogs = this.current?.logs ?? [];
		this.current = { run, rows, tree: summary, taskRuns, logs: [...previousLogs, ...newLines].slice(-SNAPSHOT_LOG_LINES), artifacts };

		const events: FeedTick['events'] = [];
		if (updateSignature(this.rowSignatures, run.id, signature(run))) events.push({ event: 'run', data: run });
		const changedRows = rows.filter((row) => updateSignature(this.rowSignatures, row.run.id, signature(row.run) + row.parentId));
		if (changedRows.length) events.push({ event: 'children', data: { levels: levelCounts(tree), progress: summary.progress, changed: changedRows } satisfies ChildrenChange });
		const changedTasks = taskRuns.filter((task) => updateSignature(this.taskSignatures, task.id, signature(task)));
		if (changedTasks.length) events.push({ event: 'tasks', data: { changed: changedTasks } });
		if (newLines.length) events.push({ event: 'logs', data: { lines: newLines } });
		const artifactsSignature = artifacts.artifacts.map((artifact) => artifact.id).join(',');
		if (artifactsSignature !== this.artifactsSignature) {
			this.artifactsSignature = artifactsSignature;
			events.push({ event: 'artifacts', data: artifacts });
		}
		return { events, activity: this.activity(tree) };
	}

	/**
	 * Final (send `end`) only once everything has been final for LATE_LINES_MS: the worker logs its last lines
	 * ("process exited ...") after the run ends, and they reach Prefect in its next batch. A run that ended long
	 * ago ends at once.
	 */
	private activity(tree: RunTree): Activity {
		if (treeIsFinal(tree)) {
			const now = Date.now();
			this.finalSeenAt ??= now;
			const ends = [tree.root, ...tree.levels.flat()].map((run) => Date.parse(run.end_time ?? '')).filter(Number.isFinite);
			const ended = Math.max(this.finalSeenAt - LATE_LINES_MS, ...ends);
			return now - Math.min(ended, this.finalSeenAt) >= LATE_LINES_MS ? 'final' : 'active';
		}
		this.finalSeenAt = null;
		return treeIsActive(tree) ? 'active' : 'idle';
	}
}

/** Sets the signature of `id`; true when it is new or differs from the last one. */
function updateSignature(signatures: Map<string, string>, id: string, next: string): boolean {
	const changed = signatures.get(id) !== next;
	signatures.set(id, next);
	return changed;
}

export function levelCounts(tree: RunTree): LevelCounts[] {
	return tree.levels.map((level, depth) => ({ depth: depth + 1, total: level.length, byState: countStates(level.map((run) => run.state_type)) }));
}
