/**
 * The live-event contract, once for both ends: each stream's events by name with the type of their data. The hub's
 * feeds yield them, the SSE writer sends them, the browser's handlers and the terminal follower receive them, all
 * typed from these maps, so renaming an event or a field fails to compile everywhere it is used.
 * Types only: the browser imports this module too. It sits beside the folders (not in live/ or server/live/)
 * because both ends import it.
 */
import type { RunArtifacts } from '#lib/artifacts/artifacts.ts';
import type { StaleRun } from '#lib/runs/stale.ts';
import type { LogView, RunView, TaskRunView } from '#lib/prefect/models.ts';
import type { StateType } from '#lib/prefect/schemas.ts';
import type { Progress, RunTreeSummary, TreeRow } from '#lib/runs/tree.ts';

/** Any event map: event name -> type of its data. */
export type EventMap = object;

/** The events of a feed nothing says more about (tests, the default). */
export type AnyEvents = Record<string, unknown>;

/** One event of a map: its name and its data, checked against each other. */
export type EventOf<M extends EventMap> = { [K in keyof M & string]: { event: K; data: M[K] } }[keyof M & string];

export interface UpstreamStatus {
	reachable: boolean;
	message?: string;
}

/** Which session ended a stream: Flowdeck's own or the workbench one behind it. */
export type SessionEnd = 'flowdeck' | 'workbench';

/** What the hub itself sends on every stream, whatever its feed. */
export interface HubEvents {
	/** Prefect became unreachable (with why) or reachable again. */
	upstream: UpstreamStatus;
	/** The feed is final: the stream closes and the browser does not reconnect. */
	end: Record<string, never>;
	/** This viewer's session ended: the page sends them to sign in again. */
	'auth-expired': { ended: SessionEnd };
}

/** Every event of a stream whose feed yields `M` and whose snapshot is `S`. */
export type StreamEvents<M extends EventMap, S> = M & HubEvents & { snapshot: S };

/** A run with its descendants, task runs and latest log lines: what a new viewer of the run's stream gets first. */
export interface RunSnapshot {
	run: RunView;
	rows: TreeRow[];
	tree: RunTreeSummary;
	taskRuns: TaskRunView[];
	logs: LogView[];
	artifacts: RunArtifacts;
	/** Runs of the tree no one executes any more (checked at a slow pace while any run of the tree is under way). */
	stale: StaleRun[];
}

export interface LevelCounts {
	depth: number;
	total: number;
	byState: Partial<Record<StateType, number>>;
}

export interface ChildrenChange {
	levels: LevelCounts[];
	progress: Progress;
	/** New rows, and rows whose state or times changed, at any level. */
	changed: TreeRow[];
}

/** What a run's feed yields (/runs/[id]/events): only what changed since the last tick. */
export interface RunFeedEvents {
	run: RunView;
	children: ChildrenChange;
	tasks: { changed: TaskRunView[] };
	logs: { lines: LogView[] };
	/** Read again when a run of the tree ends (that is when flows publish them). */
	artifacts: RunArtifacts;
	/** The stale runs of the tree, each time that list changed. */
	stale: StaleRun[];
}

export type RunEvents = StreamEvents<RunFeedEvents, RunSnapshot>;

/** What a list page's feed yields (the dashboard, /runs): the whole page, each time it changed. */
export interface PageFeedEvents<T> {
	page: T;
}

export type PageEvents<T> = StreamEvents<PageFeedEvents<T>, T>;
