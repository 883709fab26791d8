/**
 * Fast seeding of a Prefect 2.13.7 server through its API: flows, deployments and flow runs created directly in
 * the state wanted (no execution), many requests in flight. Shared by the pages benchmark and the tests that
 * need data sets of a given shape.
 */
import { mapBounded } from '#lib/server/bounded.ts';

export interface Seeder {
	apiUrl: string;
	post<T = unknown>(path: string, body: unknown): Promise<T>;
}

/** A JSON client of `apiUrl` (…/api) that retries what a loaded SQLite server refuses or drops for a moment. */
export function seeder(apiUrl: string): Seeder {
	return {
		apiUrl,
		async post<T>(path: string, body: unknown): Promise<T> {
			// Every call here is safe to repeat: scheduling is idempotent, and a duplicate run or line changes no shape.
			for (let attempt = 1; ; attempt++) {
				let failure: string;
				try {
					const response = await fetch(`${apiUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
					if (response.ok) return (await response.json()) as T;
					failure = `answered ${response.status}: ${(await response.text()).slice(0, 300)}`;
					if (response.status < 500) throw new Error(`POST ${path} ${failure}`);
				} catch (error) {
					if (error instanceof Error && error.message.startsWith(`POST ${path}`)) throw error;
					const cause = error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error);
					failure = `failed (${cause})`;
				}
				if (attempt >= 8) throw new Error(`POST ${path} ${failure} (after ${attempt} attempts)`);
				await new Promise((resolve) => setTimeout(resolve, 1000 * attempt));
			}
		}
	};
}

/** `task(i)` for i in [0, count), at most `inFlight` at once; `onProgress` after each. */
export async function inParallel(count: number, task: (index: number) => Promise<void>, inFlight = 16, onProgress?: (done: number) => void): Promise<void> {
	let done = 0;
	const indexes = Array.from({ length: count }, (_, index) => index);
	await mapBounded(
		indexes,
		async (index) => {
			await task(index);
			onProgress?.(++done);
		},
		inFlight
	);
}

export const createFlow = (seed: Seeder, name: string) => seed.post<{ id: string }>('/flows/', { name });

export const createDeployment = (seed: Seeder, flowId: string, name: string) => seed.post<{ id: string }>('/deployments/', { flow_id: flowId, name });

export interface SeededRun {
	flowId: string;
	deploymentId?: string;
	parentTaskRunId?: string;
	name?: string;
	/** The final state; `at` in the past makes it an old run (its expected start). */
	state?: 'COMPLETED' | 'FAILED' | 'RUNNING' | 'SCHEDULED';
	at?: Date;
	tags?: string[];
}

/**
 * A flow run in `state`: created directly in it (its expected start is now), or for an old run scheduled at
 * `at` first and then forced to its state, so its expected start is `at`.
 */
export async function createRun(seed: Seeder, run: SeededRun): Promise<{ id: string }> {
	const base = { flow_id: run.flowId, name: run.name, tags: run.tags ?? [], parent_task_run_id: run.parentTaskRunId };
	const state = run.state ?? 'COMPLETED';
	const path = run.deploymentId ? `/deployments/${run.deploymentId}/create_flow_run` : '/flow_runs/';
	const body = run.deploymentId ? { name: run.name, tags: run.tags ?? [], parent_task_run_id: run.parentTaskRunId } : base;
	if (!run.at && !run.deploymentId) return seed.post('/flow_runs/', { ...body, state: { type: state } });
	const scheduled = { type: 'SCHEDULED', state_details: { scheduled_time: (run.at ?? new Date()).toISOString() } };
	const created = await seed.post<{ id: string }>(path, { ...body, state: scheduled });
	if (state !== 'SCHEDULED') await seed.post(`/flow_runs/${created.id}/set_state`, { state: { type: state }, force: true });
	return created;
}
