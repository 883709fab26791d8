/**
 * A run's timeline: for the run, each subflow run and each task run, the spans it spent waiting and running,
 * from its state history when the page has it (the run itself) and otherwise from its times (the children),
 * extended to the current state so the live page keeps it true.
 *
 * What Prefect 2.13.7 records, and how it reads here:
 * - A deployment run waits Scheduled (Late past its time) until a worker picks it up, then Pending while the
 *   worker starts its process: both are "waiting for a worker", from the expected start to Running.
 * - A task that finds its tag's concurrency limit full is answered WAIT and stays Pending (no state is written)
 *   until a slot frees (server/orchestration/core_policy.py): for a tagged task, Pending -> Running is "waiting
 *   for a concurrency slot". Its expected start is the moment it entered Pending.
 * - A retry goes back to Scheduled "AwaitingRetry"; a paused run is Paused until resumed.
 */
import type { RunView, StateView, TaskRunView } from '#lib/prefect/models.ts';
import type { StateType } from '#lib/prefect/schemas.ts';
import { isFinalState } from '#lib/prefect/states.ts';
import type { TreeRow } from './tree.ts';

export type Phase = 'worker' | 'slot' | 'waiting' | 'retry' | 'paused' | 'running';

export const phaseLabels: Record<Phase, string> = {
	worker: 'waiting for a worker',
	slot: 'waiting for a concurrency slot',
	waiting: 'waiting to start',
	retry: 'waiting to retry',
	paused: 'paused',
	running: 'running'
};

export interface Segment {
	phase: Phase;
	/** Epoch milliseconds. */
	from: number;
	to: number;
}

export interface TimelineRow {
	id: string;
	name: string;
	kind: 'run' | 'subflow run' | 'task run';
	depth: number;
	state: StateView;
	href: string | null;
	segments: Segment[];
	/** Seconds spent in each kind of span. */
	worker: number;
	slot: number;
	running: number;
	/** Still moving: its last span ends now. */
	open: boolean;
}

export interface StateEntry {
	type: StateType | null;
	name: string;
	timestamp: string;
}

interface Item {
	id: string;
	name: string;
	kind: TimelineRow['kind'];
	depth: number;
	state: StateView;
	href: string | null;
	/** The phase of the time before it first ran. */
	waitPhase: Phase;
	expectedStart: string | null;
	created: string | null;
	start: string | null;
	end: string | null;
	stateTimestamp: string | null;
	history?: StateEntry[];
}

const ms = (iso: string | null | undefined): number | null => {
	const value = iso ? Date.parse(iso) : NaN;
	return Number.isFinite(value) ? value : null;
};

/** The phase of time spent in a state (null: the run is done). */
function phaseOf(state: { type: StateType | null; name: string }, waitPhase: Phase): Phase | null {
	switch (state.type) {
		case 'SCHEDULED':
			return state.name === 'AwaitingRetry' ? 'retry' : waitPhase;
		case 'PENDING':
			return waitPhase;
		case 'RUNNING':
		case 'CANCELLING':
			return 'running';
		case 'PAUSED':
			return 'paused';
		default:
			return null;
	}
}

/** Spans from a state history, waiting counted from the expected start (a run scheduled for later is not late). */
function fromHistory(item: Item, history: StateEntry[], now: number): Segment[] {
	const expected = ms(item.expectedStart);
	const segments: Segment[] = [];
	history.forEach((state, index) => {
		const phase = phaseOf(state, item.waitPhase);
		const at = ms(state.timestamp);
		if (!phase || at === null) return;
		const next = history[index + 1];
		const to = next ? (ms(next.timestamp) ?? now) : now;
		const from = phase === item.waitPhase && expected !== null && segments.length === 0 ? Math.max(at, expected) : at;
		if (to > from) segments.push({ phase, from, to });
	});
	return segments;
}

/** Spans from the times alone: waiting from the expected start to the start, running to the end (or now). */
function fromTimes(item: Item, now: number): Segment[] {
	const waitFrom = ms(item.expectedStart) ?? ms(item.created);
	const start = ms(item.start);
	const end = ms(item.end);
	const entered = ms(item.stateTimestamp);
	const final = isFinalState(item.state.type);
	const segments: Segment[] = [];
	const push = (phase: Phase, from: number | null, to: number | null) => {
		if (from !== null && to !== null && to > from) segments.push({ phase, from, to });
	};
	if (start === null) {
		// Never ran: waiting until now, or until it ended (cancelled while scheduled).
		push(phaseOf(item.state, item.waitPhase) ?? item.waitPhase, waitFrom, final ? (end ?? entered) : now);
		return segments;
	}
	push(item.waitPhase, waitFrom, start);
	const current = final ? null : phaseOf(item.state, item.waitPhase);
	if (current && current !== 'running' && entered !== null && entered > start) {
		// Ran, then left Running (AwaitingRetry, Paused): running until then, the current phase since.
		push('running', start, entered);
		push(current, entered, now);
	} else push('running', start, final ? (end ?? entered) : now);
	return segments;
}

/** The history, plus the current state when the history has not caught up with it yet (live updates). */
function withCurrentState(item: Item): StateEntry[] | undefined {
	const history = item.history;
	if (!history?.length) return undefined;
	const last = history.at(-1)!;
	if (last.type === item.state.type && last.name === item.state.name) return history;
	return item.stateTimestamp ? [...history, { type: item.state.type, name: item.state.name, timestamp: item.stateTimestamp }] : history;
}

function toRow(item: Item, now: number): TimelineRow {
	const history = withCurrentState(item);
	const raw = history ? fromHistory(item, history, now) : fromTimes(item, now);
	// Adjacent spans of one phase (Pending after Scheduled for a worker wait) read as one.
	const segments: Segment[] = [];
	for (const segment of raw) {
		const last = segments.at(-1);
		if (last && last.phase === segment.phase && last.to === segment.from) last.to = segment.to;
		else segments.push({ ...segment });
	}
	const total = (phase: Phase) => segments.filter((segment) => segment.phase === phase).reduce((sum, segment) => sum + (segment.to - segment.from) / 1000, 0);
	return {
		id: item.id,
		name: item.name,
		kind: item.kind,
		depth: item.depth,
		state: item.state,
		href: item.href,
		segments,
		worker: total('worker'),
		slot: total('slot'),
		running: total('running'),
		open: !isFinalState(item.state.type) && segments.length > 0 && segments.at(-1)!.to === now
	};
}

const runItem = (run: RunView, depth: number, kind: TimelineRow['kind'], history?: StateEntry[]): Item => ({
	id: run.id,
	name: run.name,
	kind,
	depth,
	state: run.state,
	href: depth === 0 ? null : `/runs/${run.id}`,
	// A run from a deployment waits for a worker; a subflow called in-process starts in its parent's process.
	waitPhase: run.deploymentId ? 'worker' : 'waiting',
	expectedStart: run.expectedStart,
	created: run.created,
	start: run.start,
	end: run.end,
	stateTimestamp: run.stateTimestamp,
	history
});

const taskItem = (task: TaskRunView): Item => ({
	id: task.id,
	name: task.name,
	kind: 'task run',
	depth: 1,
	state: task.state,
	href: null,
	// Only a tagged task can wait for a tag's concurrency slot.
	waitPhase: task.tags.length ? 'slot' : 'waiting',
	expectedStart: task.expectedStart,
	created: null,
	start: task.start,
	end: task.end,
	stateTimestamp: task.stateTimestamp
});

export interface Timeline {
	rows: TimelineRow[];
	/** Epoch ms of the earliest span: the chart's zero. */
	origin: number;
	/** Epoch ms of the latest. */
	until: number;
}

/**
 * The run first, then its descendants depth-first in order of expected start, then its own task runs (those standing for a
 * subflow are left out: the subflow run is the row).
 */
export function buildTimeline(root: RunView, rootHistory: StateEntry[], rows: TreeRow[], tasks: TaskRunView[], now: number): Timeline {
	const childrenOf = new Map<string, RunView[]>();
	for (const row of rows) childrenOf.set(row.parentId, [...(childrenOf.get(row.parentId) ?? []), row.run]);
	const startOf = (run: RunView) => ms(run.expectedStart) ?? ms(run.start) ?? ms(run.created) ?? Infinity;
	const items: Item[] = [runItem(root, 0, 'run', rootHistory)];
	const seen = new Set([root.id]);
	const walk = (parentId: string, depth: number) => {
		for (const run of [...(childrenOf.get(parentId) ?? [])].sort((a, b) => startOf(a) - startOf(b))) {
			if (seen.has(run.id)) continue;
			seen.add(run.id);
			items.push(runItem(run, depth, 'subflow run'));
			walk(run.id, depth + 1);
		}
	};
	walk(root.id, 1);
	for (const task of tasks) if (!task.childRunId) items.push(taskItem(task));
	const timelineRows = items.map((item) => toRow(item, now));
	const spans = timelineRows.flatMap((row) => row.segments);
	const origin = spans.length ? Math.min(...spans.map((span) => span.from)) : now;
	const until = spans.length ? Math.max(...spans.map((span) => span.to)) : now;
	return { rows: timelineRows, origin, until };
}
