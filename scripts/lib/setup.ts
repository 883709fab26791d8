/** Idempotent server setup: the work pool and the tag concurrency limit the flows use. */
import type { PrefectClient } from '#lib/prefect/client.ts';
import { isPrefectError } from '#lib/prefect/errors.ts';

export interface SetupResult {
	workPool: { name: string; created: boolean };
	concurrencyLimit: { tag: string; limit: number; previous: number | null };
}

export async function ensureWorkPool(prefect: PrefectClient, name: string): Promise<{ name: string; created: boolean }> {
	try {
		await prefect.workPools.get(name);
		return { name, created: false };
	} catch (error) {
		if (!isPrefectError(error, 'not-found')) throw error;
	}
	try {
		await prefect.workPools.create({ name, type: 'process', description: 'Process workers started by Flowdeck (npm run workers)' });
		return { name, created: true };
	} catch (error) {
		// Another setup created it meanwhile: that is the state we want.
		if (isPrefectError(error, 'conflict')) return { name, created: false };
		throw error;
	}
}

export async function ensureConcurrencyLimit(prefect: PrefectClient, tag: string, limit: number) {
	const previous = await prefect.concurrencyLimits.get(tag).then(
		(found) => found.concurrency_limit,
		(error: unknown) => {
			if (isPrefectError(error, 'not-found')) return null;
			throw error;
		}
	);
	if (previous !== limit) await prefect.concurrencyLimits.upsert(tag, limit);
	return { tag, limit, previous };
}

export async function setupServer(prefect: PrefectClient, options: { workPool: string; tag: string; limit: number }): Promise<SetupResult> {
	const [workPool, concurrencyLimit] = await Promise.all([ensureWorkPool(prefect, options.workPool), ensureConcurrencyLimit(prefect, options.tag, options.limit)]);
	return { workPool, concurrencyLimit };
}

export function describeSetup(result: SetupResult): string[] {
	const { workPool, concurrencyLimit: limit } = result;
	return [
		`work pool ${workPool.name}: ${workPool.created ? 'created (type process)' : 'found'}`,
		`concurrency limit for tag '${limit.tag}': ${
			limit.previous === null ? `created (${limit.limit})` : limit.previous === limit.limit ? `found (${limit.limit})` : `changed ${limit.previous} -> ${limit.limit}`
		}`
	];
}
