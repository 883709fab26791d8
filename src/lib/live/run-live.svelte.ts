/**
 * The run page's live state: starts from the page's load data and applies the run's stream (snapshot, run,
 * children, tasks, logs) so every part of the page updates in place. Log lines are merged by id, in time order,
 * so a reconnect (replayed events or a fresh snapshot) never loses or repeats a line.
 */
import type { LogView, RunView, TaskRunView } from '#lib/prefect/models.ts';
import { summarizeTree, type TreeRow } from '#lib/runs/tree.ts';
import { isDefaultTaskQuery, TASK_PAGE_SIZE } from '#lib/runs/task-query.ts';
import type { RunArtifacts } from '#lib/artifacts/artifacts.ts';
import type { StaleRun } from '#lib/runs/stale.ts';
import type { RunDetail } from '#lib/server/run-detail.ts';
import type { RunEvents, RunSnapshot, UpstreamStatus } from '#lib/live-events.ts';
import { openLiveStream, type LiveStatus } from './stream.ts';

/** Lines kept on the page (the download has them all). */
const MAX_LOG_LINES = 2000;

export class RunLive {
	detail: RunDetail = $state()!;
	/** Runs of the tree no one executes: from the load, then as the stream re-judges them. */
	stale: StaleRun[] = $state([]);
	status: LiveStatus = $state('connecting');
	upstream: UpstreamStatus = $state({ reachable: true });
	/** Ticks every second while the page is open, for the elapsed time of a running run. */
	now = $state(Date.now());
	private rows = new Map<string, TreeRow>();
	/** Fixed at construction: connect() must read no reactive state, or the page's effect would reconnect on every update. */
	private readonly streamUrl: string;

	constructor(initial: RunDetail, stale: StaleRun[] = []) {
		this.detail = initial;
		this.stale = stale;
		const level = initial.logs.level;
		this.streamUrl = `/runs/${initial.run.id}/events${level ? `?level=${level}` : ''}`;
		for (const row of initial.rows) this.rows.set(row.run.id, row);
	}

	/** The run as shown: while it runs, its duration counts up from its start. */
	run: RunView = $derived.by(() => {
		const run = this.detail.run;
		if (run.state.type !== 'RUNNING' || !run.start) return run;
		return { ...run, durationSeconds: Math.max(run.durationSeconds, (this.now - Date.parse(run.start)) / 1000) };
	});

	connect(): () => void {
		const close = openLiveStream<RunEvents>(
			this.streamUrl,
			{
				snapshot: (snapshot) => this.applySnapshot(snapshot),
				run: (run) => this.applyRun(run),
				children: (change) => this.applyRows(change.changed),
				tasks: (change) => this.applyTasks(change.changed),
				logs: (change) => this.addLogs(change.lines),
				artifacts: (artifacts) => (this.detail = { ...this.detail, artifacts }),
				stale: (stale) => (this.stale = stale),
				upstream: (upstream) => (this.upstream = upstream)
			},
			(status) => (this.status = status)
		);
		const timer = setInterval(() => (this.now = Date.now()), 1000);
		return () => {
			close();
			clearInterval(timer);
		};
	}

	private applySnapshot(snapshot: RunSnapshot): void {
		this.rows = new Map(snapshot.rows.map((row) => [row.run.id, row]));
		this.applyTasks(snapshot.taskRuns);
		this.detail = { ...this.detail, artifacts: snapshot.artifacts };
		this.stale = snapshot.stale;
		this.applyRun(snapshot.run);
		this.addLogs(snapshot.logs);
	}

	private applyRun(run: RunView): void {
		const states = this.detail.states;
		const last = states.at(-1);
		const entered = last?.state.type !== run.state.type || last?.state.name !== run.state.name;
		this.detail = {
			...this.detail,
			run,
			states: entered ? [...states, { state: run.state, timestamp: run.stateTimestamp ?? new Date().toISOString(), message: run.stateMessage }] : states,
			tree: summarizeTree(run, [...this.rows.values()])
		};
	}

	private applyRows(changed: TreeRow[]): void {
		for (const row of changed) this.rows.set(row.run.id, row);
		const rows = [...this.rows.values()];
		this.detail = { ...this.detail, rows, tree: summarizeTree(this.detail.run, rows) };
	}

	/**
	 * Rows shown are updated in place; new task runs join only the default view's first page (until it is
	 * full), so a filtered or later page keeps showing what it selected (it re-reads itself).
	 */
	private applyTasks(changed: TaskRunView[]): void {
		const byId = new Map(this.detail.taskRuns.map((task) => [task.id, task]));
		const growing = isDefaultTaskQuery(this.detail.taskPage.query);
		let added = 0;
		for (const task of changed) {
			if (byId.has(task.id)) byId.set(task.id, task);
			else if (growing && byId.size < TASK_PAGE_SIZE) {
				byId.set(task.id, task);
				added += 1;
			}
		}
		const total = this.detail.taskPage.total + added;
		const taskPage = added ? { ...this.detail.taskPage, total, pages: Math.max(1, Math.ceil(total / TASK_PAGE_SIZE)) } : this.detail.taskPage;
		this.detail = { ...this.detail, taskRuns: [...byId.values()], taskPage };
	}

	private addLogs(lines: LogView[]): void {
		if (lines.length === 0) return;
		const byId = new Map(this.detail.logs.logs.map((line) => [line.id, line]));
		for (const line of lines) byId.set(line.id, line);
		const logs = [...byId.values()].sort((a, b) => a.timestamp.localeCompare(b.timestamp)).slice(-MAX_LOG_LINES);
		this.detail = { ...this.detail, logs: { ...this.detail.logs, logs } };
	}
}
