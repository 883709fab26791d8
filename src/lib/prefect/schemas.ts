/**
 * Wire types of the Prefect REST API (2.13.7 and 3.9.1): the single source of truth for what crosses the wire.
 * Field names are exactly the server's (snake_case); the UI's own types live in models.ts. Where the two API
 * generations differ there is one schema per generation (`…2`, `…3`), each requiring the fields Flowdeck reads, so
 * a field a server lacks fails loudly instead of reading as "none". Objects are not strict: newer servers may add
 * fields, and we only describe what we read.
 */
import { z } from 'zod';

const id = z.string();
const datetime = z.string();
const nullableDatetime = datetime.nullable();

export const stateTypes = ['SCHEDULED', 'PENDING', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELLED', 'CRASHED', 'PAUSED', 'CANCELLING'] as const;
export const StateType = z.enum(stateTypes);
export type StateType = z.infer<typeof StateType>;

export const State = z.object({
	id: id.optional(),
	type: StateType,
	name: z.string().nullable(),
	timestamp: datetime,
	message: z.string().nullable().optional(),
	state_details: z
		.object({
			scheduled_time: nullableDatetime.optional(),
			child_flow_run_id: id.nullable().optional(),
			cache_expiration: nullableDatetime.optional()
		})
		.partial()
		.optional()
});
export type State = z.infer<typeof State>;

export const Flow = z.object({
	id,
	created: datetime,
	updated: datetime,
	name: z.string(),
	tags: z.array(z.string())
});
export type Flow = z.infer<typeof Flow>;

export const FlowRun = z.object({
	id,
	created: datetime,
	updated: datetime,
	name: z.string(),
	flow_id: id,
	deployment_id: id.nullable(),
	work_queue_name: z.string().nullable(),
	work_pool_name: z.string().nullable().optional(),
	flow_version: z.string().nullable().optional(),
	parameters: z.record(z.string(), z.unknown()),
	idempotency_key: z.string().nullable().optional(),
	tags: z.array(z.string()),
	parent_task_run_id: id.nullable(),
	state_type: StateType.nullable(),
	state_name: z.string().nullable(),
	state: State.nullable(),
	run_count: z.number(),
	expected_start_time: nullableDatetime,
	next_scheduled_start_time: nullableDatetime.optional(),
	start_time: nullableDatetime,
	end_time: nullableDatetime,
	total_run_time: z.number(),
	estimated_run_time: z.number(),
	estimated_start_time_delta: z.number().optional(),
	infrastructure_pid: z.string().nullable().optional()
});
export type FlowRun = z.infer<typeof FlowRun>;

export const TaskRun = z.object({
	id,
	created: datetime,
	updated: datetime,
	name: z.string(),
	/** null on 3.x for a task run outside any flow. */
	flow_run_id: id.nullable(),
	task_key: z.string(),
	dynamic_key: z.string(),
	tags: z.array(z.string()),
	state_type: StateType.nullable(),
	state_name: z.string().nullable(),
	state: State.nullable(),
	run_count: z.number(),
	expected_start_time: nullableDatetime,
	start_time: nullableDatetime,
	end_time: nullableDatetime,
	total_run_time: z.number(),
	estimated_run_time: z.number(),
	/** What each argument came from: a parameter, another task run (`{input_type: 'task_run', id}`), a constant. */
	task_inputs: z.record(z.string(), z.array(z.object({ input_type: z.string(), id: z.string().optional(), name: z.string().optional() }).passthrough())).optional(),
	/** Retries the task was declared with. */
	empirical_policy: z
		.object({
			retries: z.number().nullable().optional(),
			retry_delay: z
				.union([z.number(), z.array(z.number())])
				.nullable()
				.optional()
		})
		.partial()
		.nullable()
		.optional(),
	cache_key: z.string().nullable().optional()
});
export type TaskRun = z.infer<typeof TaskRun>;

const DeploymentFields = z.object({
	id,
	created: datetime,
	updated: datetime,
	name: z.string(),
	flow_id: id,
	version: z.string().nullable().optional(),
	description: z.string().nullable().optional(),
	tags: z.array(z.string()),
	parameters: z.record(z.string(), z.unknown()),
	parameter_openapi_schema: z.record(z.string(), z.unknown()).nullable().optional(),
	work_pool_name: z.string().nullable().optional(),
	work_queue_name: z.string().nullable().optional(),
	entrypoint: z.string().nullable().optional(),
	path: z.string().nullable().optional()
});

/** A Prefect 2.x deployment: at most one schedule, switched on and off as a whole. */
export const Deployment2 = DeploymentFields.extend({
	schedule: z.record(z.string(), z.unknown()).nullable(),
	is_schedule_active: z.boolean()
});
export type Deployment2 = z.infer<typeof Deployment2>;

/** One of a 3.x deployment's schedules. */
export const DeploymentSchedule = z.object({
	id,
	schedule: z.record(z.string(), z.unknown()),
	active: z.boolean(),
	max_scheduled_runs: z.number().nullable().optional(),
	slug: z.string().nullable().optional()
});
export type DeploymentSchedule = z.infer<typeof DeploymentSchedule>;

/** A global (v2) concurrency limit (3.x stores tag limits as ones named `tag:<tag>`, a deployment's as `deployment:<id>`). */
export const GlobalConcurrencyLimit = z.object({
	id,
	created: datetime,
	updated: datetime,
	name: z.string(),
	active: z.boolean(),
	limit: z.number(),
	/** A count on v2 limits (the holders are leases, not listed). */
	active_slots: z.number(),
	slot_decay_per_second: z.number().optional()
});
export type GlobalConcurrencyLimit = z.infer<typeof GlobalConcurrencyLimit>;

/** A Prefect 3.x deployment: any number of schedules, each active or not, and the deployment paused or not. */
export const Deployment3 = DeploymentFields.extend({
	schedules: z.array(DeploymentSchedule),
	paused: z.boolean(),
	status: z.enum(['READY', 'NOT_READY']).nullable().optional(),
	/** The limit on its concurrent runs (deprecated by Prefect in favour of global_concurrency_limit, still sent). */
	concurrency_limit: z.number().nullable().optional(),
	global_concurrency_limit: GlobalConcurrencyLimit.nullable().optional(),
	concurrency_options: z
		.object({ collision_strategy: z.enum(['ENQUEUE', 'CANCEL_NEW']) })
		.nullable()
		.optional()
});
export type Deployment3 = z.infer<typeof Deployment3>;

/** A deployment from either API generation (models.ts maps both to one view). */
export type Deployment = Deployment2 | Deployment3;

export const WorkPool = z.object({
	id,
	created: datetime,
	updated: datetime,
	name: z.string(),
	description: z.string().nullable().optional(),
	type: z.string(),
	is_paused: z.boolean(),
	concurrency_limit: z.number().nullable().optional(),
	status: z.enum(['READY', 'NOT_READY', 'PAUSED']).nullable().optional(),
	default_queue_id: id.nullable().optional()
});
export type WorkPool = z.infer<typeof WorkPool>;

export const Worker = z.object({
	id,
	created: datetime,
	updated: datetime,
	name: z.string(),
	work_pool_id: id,
	last_heartbeat_time: nullableDatetime,
	heartbeat_interval_seconds: z.number().nullable().optional(),
	status: z.enum(['ONLINE', 'OFFLINE']).optional()
});
export type Worker = z.infer<typeof Worker>;

export const ConcurrencyLimit = z.object({
	id,
	created: datetime,
	updated: datetime,
	tag: z.string(),
	concurrency_limit: z.number(),
	active_slots: z.array(id)
});
export type ConcurrencyLimit = z.infer<typeof ConcurrencyLimit>;

export const Log = z.object({
	id,
	created: datetime,
	name: z.string(),
	level: z.number(),
	message: z.string(),
	timestamp: datetime,
	flow_run_id: id.nullable(),
	task_run_id: id.nullable()
});
export type Log = z.infer<typeof Log>;

export const SetStateResult = z.object({
	state: State.nullable().optional(),
	status: z.enum(['ACCEPT', 'REJECT', 'ABORT', 'WAIT']),
	details: z.object({ reason: z.string().nullable().optional() }).partial().optional()
});
export type SetStateResult = z.infer<typeof SetStateResult>;

export const HistoryInterval = z.object({
	interval_start: datetime,
	interval_end: datetime,
	states: z.array(
		z.object({
			state_type: StateType,
			state_name: z.string(),
			count_runs: z.number(),
			sum_estimated_run_time: z.number().optional(),
			sum_estimated_lateness: z.number().optional()
		})
	)
});
export type HistoryInterval = z.infer<typeof HistoryInterval>;

/** A row of `POST /ui/flow_runs/history`: durations as float seconds. */
export const FlowRunHistoryPoint = z.object({
	id,
	state_type: StateType.nullable(),
	timestamp: nullableDatetime,
	duration: z.number(),
	lateness: z.number().nullable().optional()
});
export type FlowRunHistoryPoint = z.infer<typeof FlowRunHistoryPoint>;

/** A 2.x work queue (2.13.7 has no status on it). */
export const WorkQueue2 = z.object({
	id,
	name: z.string(),
	description: z.string().nullable().optional(),
	is_paused: z.boolean(),
	concurrency_limit: z.number().nullable().optional(),
	priority: z.number(),
	work_pool_id: id.nullable().optional(),
	work_pool_name: z.string().nullable().optional(),
	last_polled: nullableDatetime.optional()
});
/** A 3.x work queue: with its status (READY when polled recently, NOT_READY, PAUSED). */
export const WorkQueue3 = WorkQueue2.extend({ status: z.enum(['READY', 'NOT_READY', 'PAUSED']).nullable() });
export type WorkQueue = z.infer<typeof WorkQueue2> | z.infer<typeof WorkQueue3>;

/** `GET /csrf-token?client=ID` (3.x with PREFECT_SERVER_API_CSRF_PROTECTION_ENABLED). */
export const CsrfToken = z.object({ token: z.string(), client: z.string(), expiration: datetime });

/** A result Prefect stored for a run: `table` (rows as objects or as lists), `markdown`, `result`, `link`. */
export const Artifact = z.object({
	id,
	created: datetime,
	key: z.string().nullable().optional(),
	type: z.string().nullable().optional(),
	description: z.string().nullable().optional(),
	data: z.unknown().optional(),
	flow_run_id: id.nullable().optional(),
	task_run_id: id.nullable().optional()
});
export type Artifact = z.infer<typeof Artifact>;

/** Prefect's 422 body. */
export const ValidationErrorBody = z.object({
	exception_message: z.string().optional(),
	exception_detail: z.array(z.object({ loc: z.array(z.union([z.string(), z.number()])).optional(), msg: z.string().optional() })).optional()
});
/** Prefect's 404/409/403 body. */
export const DetailBody = z.object({ detail: z.unknown() });

// ---- request bodies (only what Flowdeck sends) ----
const anyOf = z.object({ any_: z.array(z.string()) }).strict();
const operator = { operator: z.enum(['and_', 'or_']).optional() };

export const FlowRunCriteria = z
	.object({
		...operator,
		id: z
			.object({ any_: z.array(id).optional(), not_any_: z.array(id).optional() })
			.strict()
			.optional(),
		name: z
			.object({ any_: z.array(z.string()).optional(), like_: z.string().optional() })
			.strict()
			.optional(),
		tags: z
			.object({ all_: z.array(z.string()).optional(), is_null_: z.boolean().optional() })
			.strict()
			.optional(),
		deployment_id: z
			.object({ any_: z.array(id).optional(), is_null_: z.boolean().optional() })
			.strict()
			.optional(),
		work_queue_name: z
			.object({ any_: z.array(z.string()) })
			.strict()
			.optional(),
		state: z
			.object({
				...operator,
				type: z
					.object({ any_: z.array(StateType) })
					.strict()
					.optional(),
				name: anyOf.optional()
			})
			.strict()
			.optional(),
		start_time: z
			.object({
				before_: datetime.optional(),
				after_: datetime.optional(),
				is_null_: z.boolean().optional()
			})
			.strict()
			.optional(),
		expected_start_time: z.object({ before_: datetime.optional(), after_: datetime.optional() }).strict().optional(),
		parent_flow_run_id: z
			.object({ any_: z.array(id) })
			.strict()
			.optional(),
		parent_task_run_id: z
			.object({ any_: z.array(id).optional(), is_null_: z.boolean().optional() })
			.strict()
			.optional()
	})
	.strict();
export type FlowRunCriteria = z.infer<typeof FlowRunCriteria>;

export const byIds = z.object({ id: anyOf }).strict();
export const byName = z.object({ name: anyOf }).strict();

export const flowRunSorts = [
	'ID_DESC',
	'START_TIME_ASC',
	'START_TIME_DESC',
	'EXPECTED_START_TIME_ASC',
	'EXPECTED_START_TIME_DESC',
	'NAME_ASC',
	'NAME_DESC',
	'NEXT_SCHEDULED_START_TIME_ASC',
	'END_TIME_DESC'
] as const;
export const FlowRunSort = z.enum(flowRunSorts);
export type FlowRunSort = z.infer<typeof FlowRunSort>;

export const FlowRunFilterBody = z
	.object({
		flow_runs: FlowRunCriteria.optional(),
		flows: z.union([byIds, byName]).optional(),
		deployments: z.union([byIds, byName]).optional(),
		work_pools: byName.optional(),
		sort: FlowRunSort.optional(),
		limit: z.number().int().min(1).max(200).optional(),
		offset: z.number().int().min(0).optional()
	})
	.strict();
export type FlowRunFilterBody = z.infer<typeof FlowRunFilterBody>;

/** `POST /flow_runs/history`: counts by state per interval (bucketed by expected start time). */
export const FlowRunHistoryBody = FlowRunFilterBody.omit({ sort: true, limit: true, offset: true }).extend({
	history_start: datetime,
	history_end: datetime,
	history_interval_seconds: z.number().min(1)
});
export type FlowRunHistoryBody = z.infer<typeof FlowRunHistoryBody>;

/** `POST /ui/flow_runs/history`: up to 1000 light rows (id, state, timestamp, duration). */
export const FlowRunPointsBody = FlowRunFilterBody.extend({ limit: z.number().int().min(1).max(1000).optional() });
export type FlowRunPointsBody = z.infer<typeof FlowRunPointsBody>;

export const taskRunSorts = ['ID_DESC', 'EXPECTED_START_TIME_ASC', 'EXPECTED_START_TIME_DESC', 'NAME_ASC', 'NAME_DESC', 'END_TIME_DESC'] as const;

export const TaskRunFilterBody = z
	.object({
		flow_runs: z.object({ id: anyOf }).strict().optional(),
		task_runs: z
			.object({
				id: anyOf.optional(),
				name: z.object({ like_: z.string() }).strict().optional(),
				state: z
					.object({ type: z.object({ any_: z.array(StateType) }).strict() })
					.strict()
					.optional(),
				subflow_runs: z.object({ exists_: z.boolean() }).strict().optional(),
				tags: z
					.object({ all_: z.array(z.string()) })
					.strict()
					.optional()
			})
			.strict()
			.optional(),
		sort: z.enum(taskRunSorts).optional(),
		limit: z.number().int().min(1).max(200).optional(),
		offset: z.number().int().min(0).optional()
	})
	.strict();
export type TaskRunFilterBody = z.infer<typeof TaskRunFilterBody>;

export const LogFilterBody = z
	.object({
		logs: z
			.object({
				level: z.object({ ge_: z.number().int().optional(), le_: z.number().int().optional() }).strict().optional(),
				timestamp: z.object({ before_: datetime.optional(), after_: datetime.optional() }).strict().optional(),
				flow_run_id: anyOf.optional(),
				task_run_id: anyOf.optional()
			})
			.strict()
			.optional(),
		sort: z.enum(['TIMESTAMP_ASC', 'TIMESTAMP_DESC']).optional(),
		limit: z.number().int().min(1).max(200).optional(),
		offset: z.number().int().min(0).optional()
	})
	.strict();
export type LogFilterBody = z.infer<typeof LogFilterBody>;

export const NewFlowRun = z
	.object({
		name: z.string().optional(),
		parameters: z.record(z.string(), z.unknown()).optional(),
		tags: z.array(z.string()).optional(),
		idempotency_key: z.string().optional(),
		work_queue_name: z.string().optional(),
		state: z
			.object({
				type: z.literal('SCHEDULED'),
				name: z.string().optional(),
				state_details: z.object({ scheduled_time: datetime }).strict().optional()
			})
			.strict()
			.optional()
	})
	.strict();
export type NewFlowRun = z.infer<typeof NewFlowRun>;

export const NewState = z
	.object({
		type: StateType,
		name: z.string().optional(),
		message: z.string().optional()
	})
	.strict();

/** `PATCH /work_pools/{name}`: only what Flowdeck changes. */
export const WorkPoolUpdate = z.object({ is_paused: z.boolean().optional(), concurrency_limit: z.number().int().min(0).nullable().optional() }).strict();
export type WorkPoolUpdate = z.infer<typeof WorkPoolUpdate>;
/** `PATCH /work_pools/{name}/queues/{queue}`: same fields for a queue. */
export const WorkQueueUpdate = WorkPoolUpdate;
export type WorkQueueUpdate = WorkPoolUpdate;

/** `PATCH /v2/concurrency_limits/{id_or_name}`: only the count of active slots (3.x's tag reset leaves it high). */
export const GlobalConcurrencyLimitUpdate = z.object({ active_slots: z.number().int().min(0) }).strict();
/** `POST /v2/concurrency_limits/filter`: a page. */
export const GlobalConcurrencyLimitFilterBody = z.object({ limit: z.number().int().min(1).max(200).optional(), offset: z.number().int().min(0).optional() }).strict();

export const ArtifactFilterBody = z
	.object({
		artifacts: z
			.object({
				flow_run_id: anyOf.optional(),
				type: z
					.object({ any_: z.array(z.string()).optional(), not_any_: z.array(z.string()).optional() })
					.strict()
					.optional()
			})
			.strict()
			.optional(),
		sort: z.enum(['CREATED_DESC', 'UPDATED_DESC', 'ID_DESC', 'KEY_DESC', 'KEY_ASC']).optional(),
		limit: z.number().int().min(1).max(200).optional(),
		offset: z.number().int().min(0).optional()
	})
	.strict();
export type ArtifactFilterBody = z.infer<typeof ArtifactFilterBody>;
export type NewState = z.infer<typeof NewState>;
