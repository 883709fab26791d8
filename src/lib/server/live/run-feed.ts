/**
 * The live feed of one run: each tick reads what can have changed since the last one (server/run-read.ts: the
 * tree's runs with the children of those under way, names not known yet) and, every FLOWDECK_LIVE_DETAILS_MS, the
 * details (the task runs while the run is under way, the whole tree's new log lines, artifacts when a run ended),
 * and yields only what changed. Upstream calls per tick stay bounded whatever the number of children: pages of
 * 200, never a call per child; a running tree of up to 200 runs costs one call a tick, three with the details.
 *
 * A first viewer's stream starts from what its page just read (`primeRunStream`): the feed's first round takes the
 * page's read instead of reading the run again, and its next round yields what changed since the page was read.
 */
import { randomUUID } from 'node:crypto';
import type { PrefectClient } from '#lib/prefect/client.ts';
import { emptyNames, withoutDuration, type NameLookup } from '#lib/prefect/models.ts';
import type { RunArtifacts } from '#lib/artifacts/artifacts.ts';
import type { ChildrenChange, LevelCounts, RunFeedEvents, RunSnapshot } from '#lib/live-events.ts';
import { isFinalState } from '#lib/prefect/states.ts';
import { countStates } from '#lib/runs/tree.ts';
import { stringifyJson } from '#lib/json.ts';
import type { StaleRun } from '#lib/runs/stale.ts';
import { config } from '../config.ts';
import { LogCursor } from '../log-cursor.ts';
import { staleRunsIn } from '../run-health.ts';
import { loadArtifacts, logCriteria, readRun, type RenderedRun, type RunReadOptions } from '../run-read.ts';
import { treeIsActive, treeIsFinal, type RunTree } from '../run-tree.ts';
import type { Activity, Feed, FeedTick } from './hub.ts';

/** Log lines a snapshot carries (a client merges them by id, so a resumed view loses and repeats nothing). */
export const SNAPSHOT_LOG_LINES = 500;
/** How long after the end lines may still arrive: the worker's last lines, plus Prefect's 2 s log batches. */
const LATE_LINES_MS = 12_000;
/** How often a feed re-judges which runs of its tree are stale at most: twice per threshold, and at least this often. */
const STALE_CHECK_MAX_MS = 30_000;

const signature = (view: { durationSeconds: number }) => stringifyJson(withoutDuration(view));

export class RunFeed implements Feed<RunFeedEvents, RunSnapshot> {
	/** A round without details is one call: a change in a busy tree shows within the active pace, not after a slowdown. */
	readonly patience = 1;
	private readonly runId: string;
	private readonly level: number;
	private names: NameLookup = emptyNames;
	private current: RunSnapshot | undefined;
	/** Last signature of each thing sent (the root under its id too), to send only what changed. */
	private readonly rowSignatures = new Map<string, string>();
	private readonly taskSignatures = new Map<string, string>();
	/** Follows the tree's log lines forward: every line once, at any rate. */
	private readonly logs: LogCursor;
	/** When this feed first saw the whole tree final (its clock), to wait for lines that arrive after the end. */
	private finalSeenAt: number | null = null;
	/** Runs of the tree seen final: artifacts are read again only when it changes (runs write them as they finish). */
	private finalRuns = -1;
	private artifacts: RunArtifacts = { artifacts: [], truncated: false };
	private artifactsSignature = '';
	/** The last read: the next round reads only what can change since (task runs: when this feed read them itself). */
	private previous: RunReadOptions['previous'];
	/** When (Date.now()) the details (task runs, log lines, artifacts) were last read: they are due every FLOWDECK_LIVE_DETAILS_MS. */
	private detailsReadAt = -Infinity;
	/** The tree is done and its late lines awaited, but the last round did not read lines: the next one does, then ends. */
	private closing = false;
	/** The page's read this feed starts from, taken by the first tick. */
	private rendered: Promise<RenderedRun> | undefined;
	private stale: StaleRun[] = [];
	private staleCheckedAt = -Infinity;

	/** `rendered`: what the page that opens this stream just read (its first tick takes it instead of reading). */
	constructor(runId: string, level = 0, rendered?: Promise<RenderedRun>) {
		this.runId = runId;
		this.level = level;
		this.logs = new LogCursor(SNAPSHOT_LOG_LINES);
		this.rendered = rendered;
	}

	snapshot(): RunSnapshot | undefined {
		return this.current;
	}

	async tick(prefect: PrefectClient): Promise<FeedTick<RunFeedEvents>> {
		const rendered = await this.takeRendered();
		const roundAt = Date.now();
		const read =
			rendered ??
			(await readRun(prefect, this.runId, {
				names: this.names,
				previous: this.previous,
				detailsDue: this.closing || roundAt - this.detailsReadAt >= config().FLOWDECK_LIVE_DETAILS_MS,
				logs: (read) => this.logs.read(prefect, logCriteria(read, this.level)),
				artifacts: (read) => this.readArtifacts(prefect, read)
			}));
		const { tree, names, run, rows, summary, taskRuns, logs: newLines, artifacts } = read;
		this.names = names;
		// The page's task runs may be a filtered view of them: the next round reads them for itself.
		this.previous = { tree, taskRuns: rendered ? undefined : taskRuns, artifacts };
		const detailed = !('detailed' in read) || read.detailed;
		if (detailed) this.detailsReadAt = roundAt;
		const previousStale = this.stale;
		await this.checkStale(prefect, tree);
		const previousLogs = this.current?.logs ?? [];
		this.current = { run, rows, tree: summary, taskRuns, logs: [...previousLogs, ...newLines].slice(-SNAPSHOT_LOG_LINES), artifacts, stale: this.stale };

		const events: FeedTick<RunFeedEvents>['events'] = [];
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
		if (stringifyJson(this.stale) !== stringifyJson(previousStale)) events.push({ event: 'stale', data: this.stale });
		const activity = this.activity(tree);
		// The stream ends only on a round that read the log lines: the last ones must not be left unread.
		this.closing = activity === 'final' && !detailed;
		return { events, activity: this.closing ? 'active' : activity };
	}

	/**
	 * The page's read, when this feed was started with one and it is a read of this run at this level: the log
	 * cursor and the artifacts then go on from it. A page whose read failed leaves the feed to read for itself.
	 */
	private async takeRendered() {
		const pending = this.rendered;
		this.rendered = undefined;
		const rendered = await pending?.catch(() => undefined);
		if (!rendered || rendered.read.tree.root.id !== this.runId || rendered.level !== this.level) return undefined;
		this.logs.start(rendered.lines, rendered.lineLimit);
		this.artifacts = rendered.read.artifacts;
		this.finalRuns = [rendered.read.tree.root, ...rendered.read.tree.levels.flat()].filter((one) => isFinalState(one.state_type)).length;
		this.stale = rendered.stale;
		this.staleCheckedAt = rendered.readAt;
		return rendered.read;
	}

	/**
	 * Re-judges the tree's stale runs at a slow pace while a run of it is under way (none once all are final).
	 * Staleness is a hint: when it cannot be judged now the last answer stays.
	 */
	private async checkStale(prefect: PrefectClient, tree: RunTree): Promise<void> {
		if (treeIsFinal(tree)) {
			this.stale = [];
			return;
		}
		const staleAfterMs = config().FLOWDECK_STALE_AFTER_SECONDS * 1000;
		if (Date.now() - this.staleCheckedAt < Math.min(STALE_CHECK_MAX_MS, staleAfterMs / 2)) return;
		this.staleCheckedAt = Date.now();
		this.stale = await staleRunsIn(prefect, tree, staleAfterMs).catch(() => this.stale);
	}

	/** Read again only when a run of the tree has ended since the last read: runs write their artifacts as they finish. */
	private async readArtifacts(prefect: PrefectClient, tree: RunTree): Promise<RunArtifacts> {
		const finalRuns = [tree.root, ...tree.levels.flat()].filter((one) => isFinalState(one.state_type)).length;
		if (finalRuns !== this.finalRuns) {
			this.artifacts = await loadArtifacts(prefect, tree);
			this.finalRuns = finalRuns;
		}
		return this.artifacts;
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

/**
 * How long a page's read may wait for the stream its page opens: the browser opens it once the page's parts are in,
 * seconds later on a slow machine. Unclaimed reads are dropped after it.
 */
const RENDERED_MS = 30_000;
/** Pages whose streams are not open yet, at most (each holds one read of a run until claimed or dropped). */
const RENDERED_MAX = 200;
const renderedRuns = new Map<string, { runId: string; level: number; read: Promise<RenderedRun>; at: number }>();

/**
 * Keeps what a run page is reading for the stream that page opens next (`?from=<token>`): that stream, if it starts
 * the run's poller, starts from the page's read instead of reading the run again. Once only: a reconnect, a second
 * viewer (who joins the running poller and gets its snapshot) and a token too old read for themselves.
 */
export function primeRunStream(runId: string, level: number, read: Promise<RenderedRun>): string {
	const now = Date.now();
	for (const [token, entry] of renderedRuns) if (now - entry.at > RENDERED_MS || renderedRuns.size >= RENDERED_MAX) renderedRuns.delete(token);
	const token = randomUUID();
	renderedRuns.set(token, { runId, level, read, at: now });
	return token;
}

/** The page's read behind `token`, if it is of this run and level and recent; claimed once. */
export function takeRenderedRun(token: string | null, runId: string, level: number): Promise<RenderedRun> | undefined {
	if (!token) return undefined;
	const entry = renderedRuns.get(token);
	renderedRuns.delete(token);
	return entry && entry.runId === runId && entry.level === level && Date.now() - entry.at <= RENDERED_MS ? entry.read : undefined;
}
