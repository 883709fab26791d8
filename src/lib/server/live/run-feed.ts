/**
 * The live feed of one run: each tick reads the run as the page's load does (server/run-read.ts: descendants, task
 * runs, names) with the new log lines of the whole tree, and yields only what changed. Upstream calls per tick stay
 * bounded whatever the number of children: levels x pages of 200, never a call per child.
 */
import type { PrefectClient } from '#lib/prefect/client.ts';
import { emptyNames, withoutDuration, type LogView, type NameLookup } from '#lib/prefect/models.ts';
import type { ChildrenChange, LevelCounts, RunFeedEvents, RunSnapshot } from '#lib/live-events.ts';
import { countStates } from '#lib/runs/tree.ts';
import { logCriteria, readRun } from '../run-read.ts';
import { treeIsActive, treeIsFinal, type RunTree } from '../run-tree.ts';
import type { Activity, Feed, FeedTick } from './hub.ts';

/** Log lines a snapshot carries (a client merges them by id, so a resumed view loses and repeats nothing). */
export const SNAPSHOT_LOG_LINES = 500;
/** Lines arrive in batches from several processes, sometimes after newer ones: look back this far each tick. */
const LOG_LOOKBACK_MS = 30_000;
const MAX_NEW_LOG_LINES = 2000;

const signature = (view: { durationSeconds: number }) => JSON.stringify(withoutDuration(view));

export class RunFeed implements Feed<RunFeedEvents, RunSnapshot> {
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

	constructor(runId: string, level = 0) {
		this.runId = runId;
		this.level = level;
	}

	snapshot(): RunSnapshot | undefined {
		return this.current;
	}

	async tick(prefect: PrefectClient): Promise<FeedTick<RunFeedEvents>> {
		const { tree, names, run, rows, summary, taskRuns, logs } = await readRun(prefect, this.runId, { names: this.names, logs: (read) => this.readLogs(prefect, read) });
		this.names = names;
		const newLines = logs.filter((line) => !this.seenLogs.has(line.id));
		this.remember(newLines);
		const previousLogs = this.current?.logs ?? [];
		this.current = { run, rows, tree: summary, taskRuns, logs: [...previousLogs, ...newLines].slice(-SNAPSHOT_LOG_LINES) };

		const events: FeedTick<RunFeedEvents>['events'] = [];
		if (updateSignature(this.rowSignatures, run.id, signature(run))) events.push({ event: 'run', data: run });
		const changedRows = rows.filter((row) => updateSignature(this.rowSignatures, row.run.id, signature(row.run) + row.parentId));
		if (changedRows.length) events.push({ event: 'children', data: { levels: levelCounts(tree), progress: summary.progress, changed: changedRows } satisfies ChildrenChange });
		const changedTasks = taskRuns.filter((task) => updateSignature(this.taskSignatures, task.id, signature(task)));
		if (changedTasks.length) events.push({ event: 'tasks', data: { changed: changedTasks } });
		if (newLines.length) events.push({ event: 'logs', data: { lines: newLines } });
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
