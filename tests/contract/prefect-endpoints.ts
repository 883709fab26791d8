/**
 * Every Prefect endpoint Flowdeck calls, with the wire schema it reads and the body schema it sends
 * (src/lib/prefect/schemas.ts), per API generation: the calls both make, then each generation's own (where the
 * client's adapters differ). tests/unit/openapi-contract.test.ts checks that every wire schema is listed here.
 */
import { z } from 'zod';
import * as wire from '#lib/prefect/schemas.ts';
import type { PrefectApi } from '#lib/prefect/versions.ts';
import type { ContractEntry } from '../helpers/openapi-contract.ts';

const common: ContractEntry[] = [
	{ method: 'get', path: '/admin/version', reads: z.string() },
	{ method: 'post', path: '/flows/filter', reads: z.array(wire.Flow) },
	{ method: 'get', path: '/flows/{id}', reads: wire.Flow },
	{ method: 'post', path: '/deployments/{id}/create_flow_run', reads: wire.FlowRun, sends: wire.NewFlowRun },
	{ method: 'post', path: '/flow_runs/filter', reads: z.array(wire.FlowRun), sends: wire.FlowRunFilterBody },
	{ method: 'post', path: '/flow_runs/count', reads: z.number(), sends: wire.FlowRunFilterBody.omit({ sort: true, limit: true, offset: true }) },
	{ method: 'get', path: '/flow_runs/{id}', reads: wire.FlowRun },
	{
		method: 'post',
		path: '/flow_runs/',
		reads: wire.FlowRun,
		sends: wire.NewFlowRun.omit({ work_queue_name: true, state: true }).extend({ flow_id: z.string(), state: wire.NewState.optional() })
	},
	{ method: 'post', path: '/flow_runs/{id}/set_state', reads: wire.SetStateResult, sends: z.object({ state: wire.NewState, force: z.boolean() }) },
	{ method: 'post', path: '/flow_runs/history', reads: z.array(wire.HistoryInterval), sends: wire.FlowRunHistoryBody },
	{ method: 'post', path: '/ui/flow_runs/history', reads: z.array(wire.FlowRunHistoryPoint), sends: wire.FlowRunPointsBody },
	{ method: 'get', path: '/flow_run_states/', reads: z.array(wire.State) },
	{ method: 'post', path: '/task_runs/filter', reads: z.array(wire.TaskRun), sends: wire.TaskRunFilterBody },
	{ method: 'post', path: '/logs/filter', reads: z.array(wire.Log), sends: wire.LogFilterBody },
	{ method: 'post', path: '/work_pools/', reads: wire.WorkPool },
	{ method: 'get', path: '/work_pools/{name}', reads: wire.WorkPool },
	{ method: 'post', path: '/work_pools/filter', reads: z.array(wire.WorkPool) },
	{ method: 'post', path: '/work_pools/{work_pool_name}/workers/filter', reads: z.array(wire.Worker) },
	{ method: 'post', path: '/concurrency_limits/', reads: wire.ConcurrencyLimit },
	{ method: 'post', path: '/concurrency_limits/filter', reads: z.array(wire.ConcurrencyLimit) },
	{ method: 'get', path: '/concurrency_limits/tag/{tag}', reads: wire.ConcurrencyLimit },
	{ method: 'post', path: '/concurrency_limits/tag/{tag}/reset', sends: z.object({ slot_override: z.array(z.string()) }) },
	{ method: 'post', path: '/flow_runs/{id}/resume', reads: wire.SetStateResult },
	{ method: 'delete', path: '/flow_runs/{id}' },
	{ method: 'patch', path: '/work_pools/{name}', sends: wire.WorkPoolUpdate },
	{ method: 'patch', path: '/work_pools/{work_pool_name}/queues/{name}', sends: wire.WorkQueueUpdate },
	{ method: 'post', path: '/artifacts/filter', reads: z.array(wire.Artifact), sends: wire.ArtifactFilterBody }
];

/** Reads of a deployment, with the generation's schema. */
const deploymentReads = (deployment: z.ZodType): ContractEntry[] => [
	{ method: 'post', path: '/deployments/filter', reads: z.array(deployment) },
	{ method: 'get', path: '/deployments/{id}', reads: deployment },
	{ method: 'get', path: '/deployments/name/{flow_name}/{deployment_name}', reads: deployment }
];

export const contracts: Record<PrefectApi, ContractEntry[]> = {
	2: [
		...common,
		...deploymentReads(wire.Deployment2),
		{ method: 'post', path: '/deployments/{id}/set_schedule_active' },
		{ method: 'post', path: '/deployments/{id}/set_schedule_inactive' },
		{ method: 'post', path: '/work_queues/filter', reads: z.array(wire.WorkQueue2) }
	],
	3: [
		...common,
		...deploymentReads(wire.Deployment3),
		{ method: 'post', path: '/deployments/{id}/pause_deployment' },
		{ method: 'post', path: '/deployments/{id}/resume_deployment' },
		{ method: 'post', path: '/work_queues/filter', reads: z.array(wire.WorkQueue3) },
		{ method: 'post', path: '/v2/concurrency_limits/filter', reads: z.array(wire.GlobalConcurrencyLimit), sends: wire.GlobalConcurrencyLimitFilterBody },
		{ method: 'patch', path: '/v2/concurrency_limits/{id_or_name}', sends: wire.GlobalConcurrencyLimitUpdate },
		{ method: 'get', path: '/csrf-token', reads: wire.CsrfToken }
	]
};
