/** /work-pools: every pool with its queues and workers, and how to start a worker. */
import type { PrefectClient } from '#lib/prefect/client.ts';
import { toWorkPoolView, type WorkPoolView } from '#lib/prefect/models.ts';
import { displayUrl } from '#lib/prefect/request.ts';

/** Pools and all queues in parallel, then the workers of each pool in parallel (2.13 has no cross-pool worker query). */
export async function loadWorkPools(prefect: PrefectClient): Promise<Array<{ pool: WorkPoolView; command: string }>> {
	const [pools, queues] = await Promise.all([prefect.workPools.filter({}), prefect.workQueues.filter({})]);
	const workers = await Promise.all(pools.map((pool) => prefect.workPools.workers(pool.name)));
	const apiUrl = displayUrl(prefect.apiUrl);
	return pools.map((pool, index) => {
		const view = toWorkPoolView(pool, workers[index] ?? [], queues);
		return { pool: view, command: workerCommand(apiUrl, view) };
	});
}

/** The shell command that starts a worker for a pool against this Prefect server. */
const workerCommand = (apiUrl: string, pool: WorkPoolView): string => `PREFECT_API_URL=${apiUrl} prefect worker start --pool '${pool.name}' --type ${pool.type}`;
