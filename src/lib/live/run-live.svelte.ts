/**
 * The run page's live state: starts from the page's header, takes each streamed part (tree, task runs, logs,
 * artifacts, stale runs) as it arrives, then applies the run's stream (snapshot, run, children, tasks, logs) so
 * every part of the page updates in place. The stream opens once the parts are in: the server starts it from what
 * the page read (`streamFrom`). Log lines are merged by id, in time order, so a reconnect (replayed events or a fresh
 * snapshot) never loses or repeats a line.
 */
import type { LogView, RunView, TaskRunView } from '#lib/prefect/models.ts';
import { summarizeTree, type RunTreeSummary, type TreeRow } from '#lib/runs/tree.ts';
import { isDefaultTaskQuery, TASK_PAGE_SIZE } from '#lib/runs/task-query.ts';
import type { RunArtifacts } from '#lib/artifacts/artifacts.ts';
import type { LogTail, RunHeaderData, RunParts, RunTasksPart } from '#lib/server/run-detail.ts';
import type { StaleRun } from '#lib/runs/stale.ts';
import type { RunEvents, RunSnapshot, UpstreamStatus } from '#lib/live-events.ts';
import { openLiveStream, type LiveStatus } from './stream.ts';

/** Lines kept on the page (the download has them all). */
const MAX_LOG_LINES = 2000;

export type RunPartName = keyof RunParts;

/** The run page's data: the header, the parts (promises while the page streams, values when it came whole). */
export interface RunPageData extends RunHeaderData {
	parts: RunParts | RunParts<'value'>;
	/** The token of the page's read for its stream (null: no stream starts from it). */
	streamFrom: string | null;
}

const isPromise = <T>(value: T | Promise<T>): value is Promise<T> => typeof (value as { then?: unknown } | null)?.then === 'function';

export class RunLive {
	header: RunHeaderData = $state()!;
	/** Every descendant with its parent; null until the tree part is in. */
	rows: TreeRow[] | null = $state(null);
	treeTruncatedAt: number | null = $state(null);
	tasks: RunTasksPart | null = $state(null);
	logs: LogTail | null = $state(null);
	artifacts: RunArtifacts | null = $state(null);
	/** Runs of the tree no one executes: from the page's part, then as the stream re-judges them. */
	stale: StaleRun[] = $state([]);
	/** Parts that could not be read, with why. */
	failed: Partial<Record<RunPartName, string>> = $state({});
	status: LiveStatus = $state('connecting');
	upstream: UpstreamStatus = $state({ reachable: true });
	/** Ticks every second while the page is open, for the elapsed time of a running run. */
	now = $state(Date.now());
	private byId = new Map<string, TreeRow>();
	/** Fixed at construction: connect() must read no reactive state, or the page's effect would reconnect on every update. */
	private readonly streamUrl: string;
	/** Settles once every part is in (or failed). */
	private readonly ready: Promise<unknown>;

	constructor(data: RunPageData) {
		this.header = { run: data.run, parentRunId: data.parentRunId, states: data.states, level: data.level };
		const query = new URLSearchParams();
		if (data.level) query.set('level', String(data.level));
		if (data.streamFrom) query.set('from', data.streamFrom);
		this.streamUrl = `/runs/${data.run.id}/events${query.size ? `?${query}` : ''}`;
		const { parts } = data;
		this.ready = Promise.all([
			this.take('tree', parts.tree, (tree) => {
				this.setRows(tree.rows);
				this.treeTruncatedAt = tree.treeTruncatedAt;
			}),
			this.take('tasks', parts.tasks, (tasks) => (this.tasks = tasks)),
			this.take('logs', parts.logs, (logs) => (this.logs = logs)),
			this.take('artifacts', parts.artifacts, (artifacts) => (this.artifacts = artifacts)),
			this.take('stale', parts.stale, (stale) => (this.stale = stale))
		]);
	}

	/** A part given whole is applied now (the server renders it); a streamed one when it arrives. */
	private take<T>(name: RunPartName, part: T | Promise<T>, apply: (value: T) => void): Promise<unknown> | undefined {
		if (!isPromise(part)) return void apply(part);
		return part.then(apply, (error: unknown) => {
			this.failed = { ...this.failed, [name]: (error as { message?: string } | null)?.message ?? 'Prefect did not answer' };
		});
	}

	/** The run as shown: while it runs, its duration counts up from its start. */
	run: RunView = $derived.by(() => {
		const run = this.header.run;
		if (run.state.type !== 'RUNNING' || !run.start) return run;
		return { ...run, durationSeconds: Math.max(run.durationSeconds, (this.now - Date.parse(run.start)) / 1000) };
	});

	/** The tree with counts and fan-out progress, built from the rows (empty until they are in). */
	tree: RunTreeSummary = $derived(summarizeTree(this.header.run, this.rows ?? []));

	connect(): () => void {
		let closed = false;
		let close = () => {};
		void this.ready.then(() => {
			if (closed) return;
			close = openLiveStream<RunEvents>(
				this.streamUrl,
				{
					snapshot: (snapshot) => this.applySnapshot(snapshot),
					run: (run) => this.applyRun(run),
					children: (change) => this.applyRows(change.changed),
					tasks: (change) => this.applyTasks(change.changed),
					logs: (change) => this.addLogs(change.lines),
					artifacts: (artifacts) => (this.artifacts = artifacts),
					stale: (stale) => (this.stale = stale),
					upstream: (upstream) => (this.upstream = upstream)
				},
				(status) => (this.status = status)
			);
		});
		const timer = setInterval(() => (this.now = Date.now()), 1000);
		return () => {
			closed = true;
			close();
			clearInterval(timer);
		};
	}

	private setRows(rows: TreeRow[]): void {
		this.byId = new Map(rows.map((row) => [row.run.id, row]));
		this.rows = rows;
	}

	private applySnapshot(snapshot: RunSnapshot): void {
		this.setRows(snapshot.rows);
		this.applyTasks(snapshot.taskRuns);
		this.artifacts = snapshot.artifacts;
		this.stale = snapshot.stale;
		this.applyRun(snapshot.run);
		this.addLogs(snapshot.logs);
	}

	private applyRun(run: RunView): void {
		const states = this.header.states;
		const last = states.at(-1);
		const entered = last?.state.type !== run.state.type || last?.state.name !== run.state.name;
		this.header = {
			...this.header,
			run,
			states: entered ? [...states, { state: run.state, timestamp: run.stateTimestamp ?? new Date().toISOString(), message: run.stateMessage }] : states
		};
	}

	private applyRows(changed: TreeRow[]): void {
		for (const row of changed) this.byId.set(row.run.id, row);
		this.rows = [...this.byId.values()];
	}

	/**
	 * Rows shown are updated in place; new task runs join only the default view's first page (until it is
	 * full), so a filtered or later page keeps showing what it selected (it re-reads itself).
	 */
	private applyTasks(changed: TaskRunView[]): void {
		if (!this.tasks) return;
		const { taskRuns, taskPage } = this.tasks;
		const byId = new Map(taskRuns.map((task) => [task.id, task]));
		const growing = isDefaultTaskQuery(taskPage.query);
		let added = 0;
		for (const task of changed) {
			if (byId.has(task.id)) byId.set(task.id, task);
			else if (growing && byId.size < TASK_PAGE_SIZE) {
				byId.set(task.id, task);
				added += 1;
			}
		}
		const total = taskPage.total + added;
		this.tasks = { taskRuns: [...byId.values()], taskPage: added ? { ...taskPage, total, pages: Math.max(1, Math.ceil(total / TASK_PAGE_SIZE)) } : taskPage };
	}

	private addLogs(lines: LogView[]): void {
		if (lines.length === 0) return;
		const tail = this.logs ?? { level: this.header.level, logs: [], truncated: false };
		const byId = new Map(tail.logs.map((line) => [line.id, line]));
		for (const line of lines) byId.set(line.id, line);
		const logs = [...byId.values()].sort((a, b) => a.timestamp.localeCompare(b.timestamp)).slice(-MAX_LOG_LINES);
		this.logs = { ...tail, logs };
	}
}
