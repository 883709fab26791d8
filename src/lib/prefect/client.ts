/**
 * Typed Prefect API (2.13.7 and 3.9.1): plain async functions over the one request path (request.ts). Where the two
 * API generations differ (deployment wire shape and pause, work-queue shape, the tag reset), a small adapter picks the
 * generation's schema or endpoint by the server's version (`PrefectClientOptions.api`, cached per API URL by the app).
 */
import { z } from 'zod';
import { createRequester, type PrefectConnection, type Requester } from './request.ts';
import { PrefectError } from './errors.ts';
import {
	Artifact,
	ArtifactFilterBody,
	ConcurrencyLimit,
	Deployment2,
	Deployment3,
	Flow,
	FlowRun,
	FlowRunFilterBody,
	FlowRunHistoryBody,
	FlowRunHistoryPoint,
	FlowRunPointsBody,
	HistoryInterval,
	Log,
	LogFilterBody,
	NewFlowRun,
	NewState,
	SetStateResult,
	State,
	TaskRun,
	TaskRunFilterBody,
	WorkPool,
	WorkPoolUpdate,
	GlobalConcurrencyLimit,
	GlobalConcurrencyLimitFilterBody,
	GlobalConcurrencyLimitUpdate,
	WorkQueue2,
	WorkQueue3,
	WorkQueueUpdate,
	Worker,
	type Deployment,
	type FlowRunCriteria,
	type WorkQueue
} from './schemas.ts';
import { apiOf, type PrefectApi } from './versions.ts';

/** Prefect refuses limit > 200. */
export const PAGE_SIZE = 200;

type Body = Record<string, unknown>;

export type PrefectClient = ReturnType<typeof createPrefectClient>;

export interface PrefectClientOptions {
	/**
	 * The server's API generation as the caller knows it (the app caches the version per API URL, see
	 * src/lib/server/prefect-version.ts). Without it the client reads /admin/version once, on the first call that differs.
	 */
	api?: () => Promise<PrefectApi>;
}

/** Per generation: the wire schema of a deployment and of a work queue. */
const deploymentWire: Record<PrefectApi, z.ZodType<Deployment>> = { 2: Deployment2, 3: Deployment3 };
const workQueueWire: Record<PrefectApi, z.ZodType<WorkQueue>> = { 2: WorkQueue2, 3: WorkQueue3 };

/** The v2 limit 3.x keeps for a tag limit. */
export const tagLimitName = (tag: string) => `tag:${tag}`;

export function createPrefectClient(connection: PrefectConnection, options: PrefectClientOptions = {}) {
	const request = createRequester(connection);
	const read = <S extends z.ZodType>(path: string, schema: S, json?: unknown) => request(path, { method: json === undefined ? 'GET' : 'POST', json, schema, idempotent: true });
	const pageAll = <S extends z.ZodType>(path: string, schema: S, body: Body, max: number) =>
		readAllPages((page) => request(path, { method: 'POST', json: page, schema: z.array(schema), idempotent: true }), body, max);
	const runsPage = (body: Body) => readFlowRuns(request, body);
	const serverVersion = () => read('/admin/version', z.string());
	// A failed detection is not kept: the next call asks again.
	let detected: Promise<PrefectApi> | undefined;
	const api =
		options.api ??
		(() =>
			(detected ??= serverVersion().then(apiOf, (error: unknown) => {
				detected = undefined;
				throw error;
			})));
	const deployment = async () => deploymentWire[await api()];
	const allFlowRuns = (body: Omit<FlowRunFilterBody, 'limit' | 'offset'>, max = 10_000, expectMany = false) => {
		const { sort: _sort, ...criteria } = FlowRunFilterBody.parse(body);
		const count = () => read('/flow_runs/count', z.number(), criteria);
		return readCountedPages(runsPage, count, FlowRunFilterBody.parse(body), max, expectMany);
	};

	return {
		apiUrl: connection.apiUrl,
		health: () => read('/health', z.literal(true)),
		serverVersion,
		/** The API generation the client speaks to this server. */
		api,

		flows: {
			filter: (body: Body = {}) => read('/flows/filter', z.array(Flow), { limit: PAGE_SIZE, ...body }),
			count: (body: Body = {}) => read('/flows/count', z.number(), body),
			get: (id: string) => read(`/flows/${encodeURIComponent(id)}`, Flow),
			/** Creates a flow by name, or returns the existing one. */
			create: (name: string) => request('/flows/', { method: 'POST', json: { name }, schema: Flow })
		},

		deployments: {
			filter: async (body: Body = {}) => read('/deployments/filter', z.array(await deployment()), { limit: PAGE_SIZE, ...body }),
			count: (body: Body = {}) => read('/deployments/count', z.number(), body),
			filterAll: async (body: Body, max = 10_000) => pageAll('/deployments/filter', await deployment(), body, max),
			get: async (id: string) => read(`/deployments/${encodeURIComponent(id)}`, await deployment()),
			byName: async (flowName: string, deploymentName: string) => read(`/deployments/name/${encodeURIComponent(flowName)}/${encodeURIComponent(deploymentName)}`, await deployment()),
			createFlowRun: (deploymentId: string, run: NewFlowRun) =>
				request(`/deployments/${encodeURIComponent(deploymentId)}/create_flow_run`, {
					method: 'POST',
					json: NewFlowRun.parse(run),
					schema: FlowRun
				}),
			/**
			 * Pauses or resumes the deployment's scheduling. Both generations delete the runs the scheduler had created
			 * when pausing (2.x: set_schedule_inactive; 3.x: pause_deployment); runs scheduled by hand stay.
			 */
			setPaused: async (id: string, paused: boolean) => {
				const endpoint = (await api()) === 3 ? (paused ? 'pause_deployment' : 'resume_deployment') : paused ? 'set_schedule_inactive' : 'set_schedule_active';
				await request(`/deployments/${encodeURIComponent(id)}/${endpoint}`, { method: 'POST' });
			}
		},

		flowRuns: {
			filter: (body: FlowRunFilterBody = {}) => runsPage({ limit: PAGE_SIZE, ...FlowRunFilterBody.parse(body) }),
			/**
			 * Every run matching (up to `max`): past one page, the other pages in parallel once counted (`expectMany`:
			 * count with the first page, when the caller knows there are many). Give a `sort` that orders every row.
			 */
			filterAll: allFlowRuns,
			count: (body: Omit<FlowRunFilterBody, 'limit' | 'offset' | 'sort'> = {}) => read('/flow_runs/count', z.number(), FlowRunFilterBody.parse(body)),
			get: (id: string) => read(`/flow_runs/${encodeURIComponent(id)}`, FlowRun),
			/** A flow run not tied to a deployment (what a flow called in-process creates). */
			create: (flowId: string, run: Omit<NewFlowRun, 'state' | 'work_queue_name'> & { state?: NewState }) =>
				request('/flow_runs/', { method: 'POST', json: { flow_id: flowId, ...run }, schema: FlowRun }),
			/** Direct children (one level) of several parents at once, in the order they started. */
			children: (parentIds: string[], criteria: FlowRunCriteria = {}, max = 10_000, expectMany = false) =>
				parentIds.length === 0 || max <= 0 ? Promise.resolve([]) : allFlowRuns({ flow_runs: { ...criteria, parent_flow_run_id: { any_: parentIds } }, sort: 'START_TIME_ASC' }, max, expectMany),
			setState: (id: string, state: NewState, force = false) =>
				request(`/flow_runs/${encodeURIComponent(id)}/set_state`, {
					method: 'POST',
					json: { state: NewState.parse(state), force },
					schema: SetStateResult
				}),
			/** Resumes a Paused run (Prefect answers ABORT/REJECT when it is not paused or its pause timed out). */
			resume: (id: string) => request(`/flow_runs/${encodeURIComponent(id)}/resume`, { method: 'POST', schema: SetStateResult }),
			/** Deletes the run with its task runs, states and logs (its subflow runs stay). */
			delete: (id: string) => request(`/flow_runs/${encodeURIComponent(id)}`, { method: 'DELETE' }),
			/** Counts by state per interval. */
			history: (body: FlowRunHistoryBody) => read('/flow_runs/history', z.array(HistoryInterval), FlowRunHistoryBody.parse(body)),
			/** Light rows (state, timestamp, duration) of up to 1000 runs in one call: for charts. */
			points: (body: FlowRunPointsBody) => read('/ui/flow_runs/history', z.array(FlowRunHistoryPoint), FlowRunPointsBody.parse(body)),
			/** State history, oldest first. */
			states: (id: string) => request('/flow_run_states/', { method: 'GET', searchParams: { flow_run_id: id }, schema: z.array(State), idempotent: true })
		},

		taskRuns: {
			filter: (body: TaskRunFilterBody = {}) => read('/task_runs/filter', z.array(TaskRun), { limit: PAGE_SIZE, ...TaskRunFilterBody.parse(body) }),
			/** Every task run matching (up to `max`): past one page, the others in parallel once counted. */
			filterAll: (body: Omit<TaskRunFilterBody, 'limit' | 'offset'>, max = 10_000, expectMany = false) => {
				const { sort: _sort, ...criteria } = TaskRunFilterBody.parse(body);
				const count = () => read('/task_runs/count', z.number(), criteria);
				const readPage = (page: Body) => request('/task_runs/filter', { method: 'POST', json: page, schema: z.array(TaskRun), idempotent: true });
				return readCountedPages(readPage, count, TaskRunFilterBody.parse(body), max, expectMany);
			},
			count: (body: Omit<TaskRunFilterBody, 'limit' | 'offset' | 'sort'> = {}) => read('/task_runs/count', z.number(), TaskRunFilterBody.parse(body)),
			get: (id: string) => read(`/task_runs/${encodeURIComponent(id)}`, TaskRun),
			/** State history, oldest first. */
			states: (id: string) => request('/task_run_states/', { method: 'GET', searchParams: { task_run_id: id }, schema: z.array(State), idempotent: true })
		},

		artifacts: {
			filter: (body: ArtifactFilterBody = {}) => read('/artifacts/filter', z.array(Artifact), { limit: PAGE_SIZE, ...ArtifactFilterBody.parse(body) })
		},

		logs: {
			filter: (body: LogFilterBody = {}) => read('/logs/filter', z.array(Log), { limit: PAGE_SIZE, ...LogFilterBody.parse(body) }),
			filterAll: (body: Omit<LogFilterBody, 'limit' | 'offset'>, max = 10_000) => pageAll('/logs/filter', Log, LogFilterBody.parse(body), max)
		},

		workQueues: {
			filter: async (body: Body = {}) => read('/work_queues/filter', z.array(workQueueWire[await api()]), { limit: PAGE_SIZE, ...body })
		},

		workPools: {
			create: (pool: { name: string; type?: string; description?: string; concurrency_limit?: number | null }) =>
				request('/work_pools/', {
					method: 'POST',
					json: { type: 'process', base_job_template: {}, is_paused: false, ...pool },
					schema: WorkPool
				}),
			get: (name: string) => read(`/work_pools/${encodeURIComponent(name)}`, WorkPool),
			filter: (body: Body = {}) => read('/work_pools/filter', z.array(WorkPool), { limit: PAGE_SIZE, ...body }),
			update: (name: string, update: WorkPoolUpdate) => request(`/work_pools/${encodeURIComponent(name)}`, { method: 'PATCH', json: WorkPoolUpdate.parse(update) }),
			updateQueue: (poolName: string, queueName: string, update: WorkQueueUpdate) =>
				request(`/work_pools/${encodeURIComponent(poolName)}/queues/${encodeURIComponent(queueName)}`, {
					method: 'PATCH',
					json: WorkQueueUpdate.parse(update)
				}),
			workers: (poolName: string, body: Body = {}) => read(`/work_pools/${encodeURIComponent(poolName)}/workers/filter`, z.array(Worker), { limit: PAGE_SIZE, ...body })
		},

		concurrencyLimits: {
			/** Creates or updates (Prefect upserts by tag). */
			upsert: (tag: string, limit: number) => request('/concurrency_limits/', { method: 'POST', json: { tag, concurrency_limit: limit }, schema: ConcurrencyLimit }),
			filter: (body: Body = {}) => read('/concurrency_limits/filter', z.array(ConcurrencyLimit), { limit: PAGE_SIZE, ...body }),
			get: (tag: string) => read(`/concurrency_limits/tag/${encodeURIComponent(tag)}`, ConcurrencyLimit),
			/**
			 * Frees every slot, or with `slots` makes exactly those task runs the holders. On 3.x the tag's v2 limit
			 * (`tag:<tag>`) counts slots apart from its leases: the reset revokes the leases but leaves that count (and
			 * adds one per kept holder), so the limit would silently shrink; the count is set to the holders kept.
			 */
			reset: async (tag: string, slots?: string[]) => {
				await request(`/concurrency_limits/tag/${encodeURIComponent(tag)}/reset`, { method: 'POST', json: slots ? { slot_override: slots } : {} });
				if ((await api()) !== 3) return;
				try {
					await request(`/v2/concurrency_limits/${encodeURIComponent(tagLimitName(tag))}`, {
						method: 'PATCH',
						json: GlobalConcurrencyLimitUpdate.parse({ active_slots: slots?.length ?? 0 })
					});
				} catch (error) {
					// A limit kept in 3.x's legacy v1 table has no v2 twin: its reset alone was complete.
					if (!(error instanceof PrefectError && error.kind === 'not-found')) throw error;
				}
			},
			delete: (tag: string) => request(`/concurrency_limits/tag/${encodeURIComponent(tag)}`, { method: 'DELETE' })
		},

		/** Global (v2) concurrency limits: listed on 3.x only (tag limits live among them there). */
		globalConcurrencyLimits: {
			filterAll: async (max = 10_000) =>
				(await api()) === 3
					? readAllPages(
							(page) => request('/v2/concurrency_limits/filter', { method: 'POST', json: GlobalConcurrencyLimitFilterBody.parse(page), schema: z.array(GlobalConcurrencyLimit), idempotent: true }),
							{},
							max
						)
					: []
		}
	};
}

async function readAllPages<T>(readPage: (body: Body) => Promise<T[]>, body: Body, max: number, from = 0): Promise<T[]> {
	const all: T[] = [];
	for (let offset = from; offset < max; offset += PAGE_SIZE) {
		const page = await readPage({ ...body, limit: Math.min(PAGE_SIZE, max - offset), offset });
		all.push(...page);
		if (page.length < PAGE_SIZE) break;
	}
	return all;
}

/** Pages read at once past the first: Prefect (SQLite on small machines) answers a few in parallel well, not dozens. */
const PAGES_IN_FLIGHT = 4;

/**
 * Every row matching, up to `max`, in offset pages of PAGE_SIZE: the first page (with the count when `expectMany`);
 * when it is full, the count, then the other pages PAGES_IN_FLIGHT at a time instead of one after another. Rows
 * added after the count are not lost: a last page still full means more, read on page by page as before.
 */
async function readCountedPages<T>(readPage: (body: Body) => Promise<T[]>, count: () => Promise<number>, body: Body, max: number, expectMany: boolean): Promise<T[]> {
	const pageAt = (offset: number) => readPage({ ...body, limit: Math.min(PAGE_SIZE, max - offset), offset });
	const [first, counted] = await Promise.all([pageAt(0), expectMany ? count() : undefined]);
	if (first.length < PAGE_SIZE || max <= PAGE_SIZE) return first;
	const total = Math.min(max, counted ?? (await count()));
	const offsets: number[] = [];
	for (let offset = PAGE_SIZE; offset < total; offset += PAGE_SIZE) offsets.push(offset);
	const pages: T[][] = [first];
	for (let index = 0; index < offsets.length; index += PAGES_IN_FLIGHT) pages.push(...(await Promise.all(offsets.slice(index, index + PAGES_IN_FLIGHT).map(pageAt))));
	const all = pages.flat();
	const next = PAGE_SIZE * pages.length;
	return pages.at(-1)!.length === PAGE_SIZE && next < max ? [...all, ...(await readAllPages(readPage, body, max, next))] : all;
}

/**
 * A page of flow runs that survives a run Prefect cannot list. A run whose parameters hold an integer past
 * 64 bits (accepted by create_flow_run) makes every /flow_runs/filter answer that includes it fail with 500
 * ("Integer exceeds 64-bit range" in Prefect's log: its list encoder refuses it), while GET /flow_runs/{id}
 * still reads it. So on a 500: the page's ids (in order) from /ui/flow_runs/history, which returns no
 * parameters; then the runs by id in halves, down to single runs read one by one. The page is complete and in
 * order; such runs show a warning (their parameters are out of range) so someone can delete them.
 */
async function readFlowRuns(request: Requester, body: Body): Promise<FlowRun[]> {
	try {
		return await request('/flow_runs/filter', { method: 'POST', json: body, schema: z.array(FlowRun), idempotent: true });
	} catch (error) {
		if (!(error instanceof PrefectError) || error.status !== 500) throw error;
		let ids: string[];
		try {
			const points = await request('/ui/flow_runs/history', { method: 'POST', json: body, schema: z.array(FlowRunHistoryPoint), idempotent: true });
			ids = points.map((point) => point.id);
		} catch {
			throw error;
		}
		const byId = new Map((await readRunsByIds(request, ids)).map((run) => [run.id, run]));
		return ids.flatMap((id) => byId.get(id) ?? []);
	}
}

async function readRunsByIds(request: Requester, ids: string[]): Promise<FlowRun[]> {
	if (ids.length === 0) return [];
	if (ids.length === 1) return [await request(`/flow_runs/${encodeURIComponent(ids[0]!)}`, { method: 'GET', schema: FlowRun, idempotent: true })];
	try {
		return await request('/flow_runs/filter', { method: 'POST', json: { flow_runs: { id: { any_: ids } }, limit: ids.length }, schema: z.array(FlowRun), idempotent: true });
	} catch (error) {
		if (!(error instanceof PrefectError) || error.status !== 500) throw error;
		const half = Math.ceil(ids.length / 2);
		const [first, second] = await Promise.all([readRunsByIds(request, ids.slice(0, half)), readRunsByIds(request, ids.slice(half))]);
		return [...first, ...second];
	}
}
