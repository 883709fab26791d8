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

export interface PoolChange {
	pool: string;
	/** A queue of the pool; none: the pool itself. */
	queue: string | null;
	change: { is_paused: boolean } | { concurrency_limit: number | null };
}

const name = (value: FormDataEntryValue | null): string | null => (typeof value === 'string' && value.trim() && value.length <= 200 ? value.trim() : null);

/**
 * The /work-pools form: `pool`, optional `queue`, and either `paused` (yes/no) or `limit` (a whole number >= 0,
 * empty for no limit).
 */
export function parsePoolChange(form: FormData): PoolChange | { error: string } {
	const pool = name(form.get('pool'));
	if (!pool) return { error: 'Name the work pool.' };
	const queue = form.has('queue') ? name(form.get('queue')) : null;
	if (form.has('queue') && !queue) return { error: 'Name the queue.' };
	const paused = form.get('paused');
	if (paused === 'yes' || paused === 'no') return { pool, queue, change: { is_paused: paused === 'yes' } };
	const limit = form.get('limit');
	if (typeof limit !== 'string') return { error: 'Say what to change: paused, or the concurrency limit.' };
	if (!limit.trim()) return { pool, queue, change: { concurrency_limit: null } };
	const value = Number(limit);
	if (!Number.isInteger(value) || value < 0 || value > 100_000) return { error: 'The concurrency limit is a whole number from 0 (nothing runs) up, or empty for no limit.' };
	return { pool, queue, change: { concurrency_limit: value } };
}

export async function applyPoolChange(prefect: PrefectClient, { pool, queue, change }: PoolChange): Promise<string> {
	if (queue) await prefect.workPools.updateQueue(pool, queue, change);
	else await prefect.workPools.update(pool, change);
	const what = queue ? `Queue ${queue} of ${pool}` : `Work pool ${pool}`;
	if ('is_paused' in change) return `${what} ${change.is_paused ? 'paused: workers take no new runs from it' : 'resumed'}.`;
	return `${what}: concurrency limit ${change.concurrency_limit === null ? 'removed' : `set to ${change.concurrency_limit}`}.`;
}
