/** The UI's own types, and the one place wire types (schemas.ts) are mapped to them. */
import { findInt64Overflow } from '#lib/json.ts';
import type {
	ConcurrencyLimit,
	Deployment,
	Flow,
	FlowRun,
	FlowRunHistoryPoint,
	GlobalConcurrencyLimit,
	HistoryInterval,
	Log,
	State,
	StateType,
	TaskRun,
	WorkPool,
	WorkQueue,
	Worker
} from './schemas.ts';
import { describeSchedule, levelName } from '#lib/format.ts';

export interface WorkerView {
	name: string;
	online: boolean;
	lastHeartbeat: string | null;
}

type PoolStatus = 'ready' | 'not-ready' | 'paused';

export interface WorkQueueView {
	name: string;
	priority: number;
	paused: boolean;
	/** Prefect's status of the queue (3.x); null where the server has none (2.13.7). */
	status: PoolStatus | null;
	concurrencyLimit: number | null;
	lastPolled: string | null;
}

export interface WorkPoolView {
	name: string;
	type: string;
	description: string | null;
	status: PoolStatus;
	concurrencyLimit: number | null;
	workers: WorkerView[];
	onlineWorkers: number;
	queues: WorkQueueView[];
}

export function toWorkerView(worker: Worker, now = Date.now()): WorkerView {
	return {
		name: worker.name,
		online: worker.status ? worker.status === 'ONLINE' : isRecentHeartbeat(worker, now),
		lastHeartbeat: worker.last_heartbeat_time
	};
}

/** Prefect's own rule when the server does not say: ONLINE = heartbeat within 3 intervals. */
function isRecentHeartbeat(worker: Worker, now: number): boolean {
	if (!worker.last_heartbeat_time) return false;
	const interval = (worker.heartbeat_interval_seconds ?? 30) * 1000;
	return now - Date.parse(worker.last_heartbeat_time) <= 3 * interval;
}

const poolStatus = { READY: 'ready', NOT_READY: 'not-ready', PAUSED: 'paused' } as const;

export function toWorkQueueView(queue: WorkQueue): WorkQueueView {
	return {
		name: queue.name,
		priority: queue.priority,
		paused: queue.is_paused,
		status: 'status' in queue && queue.status ? poolStatus[queue.status] : null,
		concurrencyLimit: queue.concurrency_limit ?? null,
		lastPolled: queue.last_polled ?? null
	};
}

export function toWorkPoolView(pool: WorkPool, workers: Worker[], queues: WorkQueue[] = []): WorkPoolView {
	const views = workers.map((worker) => toWorkerView(worker)).sort((a, b) => a.name.localeCompare(b.name));
	return {
		name: pool.name,
		type: pool.type,
		description: pool.description ?? null,
		queues: queues
			.filter((queue) => queue.work_pool_id === pool.id || queue.work_pool_name === pool.name)
			.map(toWorkQueueView)
			.sort((a, b) => a.priority - b.priority),
		status: pool.is_paused || pool.status === 'PAUSED' ? 'paused' : pool.status === 'READY' ? 'ready' : 'not-ready',
		concurrencyLimit: pool.concurrency_limit ?? null,
		workers: views,
		onlineWorkers: views.filter((worker) => worker.online).length
	};
}

export const stateLabels: Record<StateType, string> = {
	SCHEDULED: 'Scheduled',
	PENDING: 'Pending',
	RUNNING: 'Running',
	COMPLETED: 'Completed',
	FAILED: 'Failed',
	CANCELLED: 'Cancelled',
	CRASHED: 'Crashed',
	PAUSED: 'Paused',
	CANCELLING: 'Cancelling'
};

export interface StateView {
	/** null for a run Prefect has not given a state yet. */
	type: StateType | null;
	/** Prefect's name (Late, AwaitingRetry, TimedOut, …), else the type's label. */
	name: string;
}

export const toStateView = (type: StateType | null, name: string | null | undefined): StateView => ({
	type,
	name: name || (type ? stateLabels[type] : 'Unknown')
});

/** Names of flows and deployments by id, to label runs without a request per row. */
export interface NameLookup {
	flows: ReadonlyMap<string, string>;
	deployments: ReadonlyMap<string, string>;
}

export const emptyNames: NameLookup = { flows: new Map(), deployments: new Map() };

export function namesOf(flows: Flow[], deployments: Deployment[]): NameLookup {
	return {
		flows: new Map(flows.map((flow) => [flow.id, flow.name])),
		deployments: new Map(deployments.map((deployment) => [deployment.id, deployment.name]))
	};
}

export interface RunView {
	id: string;
	name: string;
	flowId: string;
	flowName: string | null;
	deploymentId: string | null;
	deploymentName: string | null;
	state: StateView;
	stateMessage: string | null;
	/** When the run entered its current state. */
	stateTimestamp: string | null;
	tags: string[];
	parameters: Record<string, unknown>;
	workPool: string | null;
	workQueue: string | null;
	/** "host:pid" of the process running it, from the process worker. */
	infrastructurePid: string | null;
	isSubflow: boolean;
	runCount: number;
	expectedStart: string | null;
	start: string | null;
	end: string | null;
	/** Seconds: the run's total run time, or the estimate so far while it runs. */
	durationSeconds: number;
	created: string;
	/**
	 * A parameter holding an integer past 64 bits (e.g. `big`, `config.limit`): Prefect accepted it but its run
	 * lists fail on it; Flowdeck still lists the run (read on its own) and names it so someone can delete it.
	 */
	parameterOverflow: string | null;
}

export function toRunView(run: FlowRun, names: NameLookup = emptyNames): RunView {
	return {
		id: run.id,
		name: run.name,
		flowId: run.flow_id,
		flowName: names.flows.get(run.flow_id) ?? null,
		deploymentId: run.deployment_id,
		deploymentName: run.deployment_id ? (names.deployments.get(run.deployment_id) ?? null) : null,
		state: toStateView(run.state_type, run.state_name),
		stateMessage: run.state?.message ?? null,
		stateTimestamp: run.state?.timestamp ?? null,
		tags: run.tags,
		parameters: run.parameters,
		workPool: run.work_pool_name ?? null,
		workQueue: run.work_queue_name,
		infrastructurePid: run.infrastructure_pid ?? null,
		isSubflow: run.parent_task_run_id !== null,
		runCount: run.run_count,
		expectedStart: run.expected_start_time,
		start: run.start_time,
		end: run.end_time,
		durationSeconds: Math.max(run.total_run_time, run.estimated_run_time),
		created: run.created,
		parameterOverflow: findInt64Overflow(run.parameters)?.path ?? null
	};
}

/** A run or task view without its duration, which grows on every poll while it runs: what live updates compare. */
export function withoutDuration<T extends { durationSeconds: number }>({ durationSeconds: _growing, ...view }: T): Omit<T, 'durationSeconds'> {
	return view;
}

export interface StateChangeView {
	state: StateView;
	timestamp: string;
	message: string | null;
}

export const toStateChangeView = (state: State): StateChangeView => ({
	state: toStateView(state.type, state.name),
	timestamp: state.timestamp,
	message: state.message ?? null
});

export interface TaskRunView {
	id: string;
	name: string;
	state: StateView;
	tags: string[];
	/** When it entered Pending (Prefect sets it on the first state): the start of any wait for a slot. */
	expectedStart: string | null;
	start: string | null;
	end: string | null;
	/** When it entered its current state. */
	stateTimestamp: string | null;
	durationSeconds: number;
	/** The flow run this task stands for (subflow or run_deployment call). */
	childRunId: string | null;
}

export function toTaskRunView(task: TaskRun): TaskRunView {
	return {
		id: task.id,
		name: task.name,
		state: toStateView(task.state_type, task.state_name),
		tags: task.tags,
		expectedStart: task.expected_start_time,
		start: task.start_time,
		end: task.end_time,
		stateTimestamp: task.state?.timestamp ?? null,
		durationSeconds: Math.max(task.total_run_time, task.estimated_run_time),
		childRunId: task.state?.state_details?.child_flow_run_id ?? null
	};
}

export interface LogView {
	id: string;
	timestamp: string;
	level: string;
	logger: string;
	message: string;
	/** The run that logged it: the run itself or one of its descendants. */
	flowRunId: string | null;
	taskRunId: string | null;
}

export const toLogView = (log: Log): LogView => ({
	id: log.id,
	timestamp: log.timestamp,
	level: levelName(log.level),
	logger: log.name,
	message: log.message,
	flowRunId: log.flow_run_id,
	taskRunId: log.task_run_id
});

export interface FlowView {
	id: string;
	name: string;
	tags: string[];
	created: string;
}

export const toFlowView = (flow: Flow): FlowView => ({ id: flow.id, name: flow.name, tags: flow.tags, created: flow.created });

export interface DeploymentScheduleView {
	/** "every 1h", "cron 0 * * * * (UTC)", … */
	description: string;
	/** Whether this schedule makes runs (while the deployment is not paused). */
	active: boolean;
}

export interface DeploymentView {
	id: string;
	name: string;
	flowId: string;
	flowName: string | null;
	description: string | null;
	tags: string[];
	workPool: string | null;
	workQueue: string | null;
	/** Empty when it has none. 2.x deployments have at most one. */
	schedules: DeploymentScheduleView[];
	/** Scheduling paused for the whole deployment (2.x: its schedule is inactive). */
	paused: boolean;
	/** How many of its runs may run at once (3.x), and what happens to one more; null: no limit. */
	concurrency: { limit: number; collisionStrategy: 'ENQUEUE' | 'CANCEL_NEW' | null } | null;
	parameters: Record<string, unknown>;
	entrypoint: string | null;
}

/** Both API generations' deployments in one view: 2.x's single schedule and switch become `schedules` and `paused`. */
export function toDeploymentView(deployment: Deployment, names: NameLookup = emptyNames): DeploymentView {
	const common = {
		id: deployment.id,
		name: deployment.name,
		flowId: deployment.flow_id,
		flowName: names.flows.get(deployment.flow_id) ?? null,
		description: deployment.description ?? null,
		tags: deployment.tags,
		workPool: deployment.work_pool_name ?? null,
		workQueue: deployment.work_queue_name ?? null,
		parameters: deployment.parameters,
		entrypoint: deployment.entrypoint ?? null
	};
	if ('schedules' in deployment) {
		const limit = deployment.global_concurrency_limit?.limit ?? deployment.concurrency_limit ?? null;
		return {
			...common,
			schedules: deployment.schedules.map((schedule) => ({ description: describeSchedule(schedule.schedule) ?? 'custom schedule', active: schedule.active })),
			paused: deployment.paused,
			concurrency: limit === null ? null : { limit, collisionStrategy: deployment.concurrency_options?.collision_strategy ?? null }
		};
	}
	return {
		...common,
		schedules: deployment.schedule ? [{ description: describeSchedule(deployment.schedule) ?? 'custom schedule', active: deployment.is_schedule_active }] : [],
		paused: !deployment.is_schedule_active,
		concurrency: null
	};
}

/** The schedules as one line: "every 1h", "every 1h; cron 0 6 * * * (UTC) (inactive)", with " (paused)" for a paused deployment. */
export function describeSchedules(deployment: Pick<DeploymentView, 'schedules' | 'paused'>): string {
	if (deployment.schedules.length === 0) return 'none';
	const each = deployment.schedules.map((schedule) => `${schedule.description}${schedule.active || deployment.schedules.length === 1 ? '' : ' (inactive)'}`);
	const inactive = deployment.paused || deployment.schedules.every((schedule) => !schedule.active);
	return `${each.join('; ')}${inactive ? ' (paused)' : ''}`;
}

export interface ConcurrencyLimitView {
	tag: string;
	limit: number;
	/** Task run ids holding a slot. */
	activeSlots: string[];
}

export const toConcurrencyLimitView = (limit: ConcurrencyLimit): ConcurrencyLimitView => ({
	tag: limit.tag,
	limit: limit.concurrency_limit,
	activeSlots: limit.active_slots
});

/** A global (v2) concurrency limit: its holders are leases Prefect does not list, so only their count. */
export interface GlobalLimitView {
	name: string;
	limit: number;
	activeSlots: number;
	active: boolean;
	/** Slots freed per second when it is used as a rate limit (0: a plain concurrency limit). */
	slotDecayPerSecond: number;
}

export const toGlobalLimitView = (limit: GlobalConcurrencyLimit): GlobalLimitView => ({
	name: limit.name,
	limit: limit.limit,
	activeSlots: limit.active_slots,
	active: limit.active,
	slotDecayPerSecond: limit.slot_decay_per_second ?? 0
});

export interface HistoryBucketView {
	start: string;
	end: string;
	counts: Partial<Record<StateType, number>>;
	/** Runs whose state is named Late (scheduled, past their start). */
	late: number;
}

export function toHistoryBucketView(interval: HistoryInterval): HistoryBucketView {
	const counts: Partial<Record<StateType, number>> = {};
	let late = 0;
	for (const state of interval.states) {
		counts[state.state_type] = (counts[state.state_type] ?? 0) + state.count_runs;
		if (state.state_name === 'Late') late += state.count_runs;
	}
	return { start: interval.interval_start, end: interval.interval_end, counts, late };
}

export interface DurationPointView {
	id: string;
	state: StateType | null;
	timestamp: string;
	durationSeconds: number;
}

export function toDurationPoints(points: FlowRunHistoryPoint[]): DurationPointView[] {
	return points
		.filter((point): point is FlowRunHistoryPoint & { timestamp: string } => point.timestamp !== null)
		.map((point) => ({ id: point.id, state: point.state_type, timestamp: point.timestamp, durationSeconds: point.duration }))
		.sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp));
}
