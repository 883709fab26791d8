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
import type { Activity, Feed, FeedTick } from './hub.ts';

/** Log lines a snapshot carries (a client merges them by id, so a resumed view loses and repeats nothing). */
export const SNAPSHOT_LOG_LINES = 500;
/** Lines arrive in batches from several processes, sometimes after newer ones: look back this far each tick. */
const LOG_LOOKBACK_MS = 30_000;
const MAX_NEW_LOG_LINES = 2000;

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

const signature = (view: { durationSeconds: number }) => JSON.stringify(withoutDuration(view));

export class RunFeed implements Feed {
	private readonly runId: string;
	private readonly level: number;
	private names: NameLookup = emptyNames;
	private current: RunSnapshot | undefined;
	/** Last signature of each thing sent (the root under its id too), to send only what changed. */
	private readonly rowSignatures = new Map<string, string>();
	private readonly taskSignatures = new Map<string, string>();
	/** Ids of lines already sent, with their timestamps (pruned past the look-back window). */
	private readonly seenLogs = new Map<string, number>();
	private newestLogMs = 0;
	private finalSeen = false;
	/** Runs of the tree seen final: artifacts are read again only when it changes (runs write them as they finish). */
	private finalRuns = -1;
	private artifacts: RunArtifacts = { artifacts: [], truncated: false };
	private artifactsSignature = '';

	constructor(runId: string, level = 0) {
		this.runId = runId;
		this.level = level;
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
			this.readLogs(prefect, tree),
			finalRuns !== this.finalRuns ? loadArtifacts(prefect, tree) : Promise.resolve(this.artifacts)
		]);
		this.finalRuns = finalRuns;
		this.artifacts = artifacts;
		this.names = names;
		const run = toRunView(tree.root, names);
		const rows = runRows(tree, names);
		const taskRuns = tasks.map(toTaskRunView);
		const summary = summarizeTree(run, rows);
		const newLines = logs.map(toLogView).filter((line) => !this.seenLogs.has(line.id));
		this.remember(newLines);
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

	/** First tick: the latest lines; then every line since the newest seen, looking back for late arrivals. */
	private async readLogs(prefect: PrefectClient, tree: RunTree) {
		const criteria = logCriteria(tree, this.level);
		if (this.newestLogMs === 0) {
			const latest = await prefect.logs.filterAll({ logs: criteria, sort: 'TIMESTAMP_DESC' }, SNAPSHOT_LOG_LINES);
			return latest.reverse();
		}
		const after = new Date(this.newestLogMs - LOG_LOOKBACK_MS).toISOString();
		return prefect.logs.filterAll({ logs: { ...criteria, timestamp: { after_: after } }, sort: 'TIMESTAMP_ASC' }, MAX_NEW_LOG_LINES);
	}

	private remember(lines: LogView[]): void {
		for (const line of lines) {
			const at = Date.parse(line.timestamp);
			this.seenLogs.set(line.id, at);
			this.newestLogMs = Math.max(this.newestLogMs, at);
		}
		// A first tick with no lines still starts the incremental mode.
		if (this.newestLogMs === 0) this.newestLogMs = Date.now() - LOG_LOOKBACK_MS;
		const horizon = this.newestLogMs - LOG_LOOKBACK_MS;
		for (const [id, at] of this.seenLogs) if (at < horizon) this.seenLogs.delete(id);
	}

	/** Final (send `end`) one tick after everything is final, so late log lines still go out. */
	private activity(tree: RunTree): Activity {
		if (treeIsFinal(tree)) {
			if (this.finalSeen) return 'final';
			this.finalSeen = true;
			return 'active';
		}
		this.finalSeen = false;
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
