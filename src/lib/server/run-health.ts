/**
 * Runs nobody executes: a Running, Pending or Cancelling run whose executor is gone stays that way forever in
 * Prefect 2.13.7 (no server-side heartbeat of flow runs exists). Flowdeck calls such a run stale when it has been
 * quiet (no state change, no log line) for FLOWDECK_STALE_AFTER_SECONDS and one of these signals says no one is
 * left to finish it:
 * - it runs inside another run's process (a phase subflow) and that run is final or stale itself;
 * - its process (`infrastructure_pid` "host:pid") is on this host and no longer exists;
 * - no worker of its work pool has sent a heartbeat recently (every worker of the pool is OFFLINE).
 * Without one of these signals a quiet run is only slow, never stale: a bound must not change the answer.
 */
import { hostname } from 'node:os';
import type { PrefectClient } from '#lib/prefect/client.ts';
import type { FlowRun } from '#lib/prefect/schemas.ts';
import { isActiveState, isFinalState } from '#lib/prefect/states.ts';
import type { StaleRun } from '#lib/runs/stale.ts';
import { mapBounded } from './bounded.ts';
import { loadRunTree, type RunTree } from './run-tree.ts';

export interface HealthOptions extends GoneOptions {
	staleAfterMs: number;
	now?: number;
}

/** Quiet candidates whose newest log line is read at once (one small query each): every candidate is checked. */
const LOG_CHECKS_IN_FLIGHT = 10;

export function parseInfrastructurePid(value: string | null | undefined): { host: string; pid: number } | null {
	const match = /^(.*):(\d+)$/.exec(value ?? '');
	return match ? { host: match[1]!, pid: Number(match[2]) } : null;
}

/** True unless the process certainly does not exist (EPERM: it exists under another user). */
function processExists(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return true;
	} catch (error) {
		return (error as NodeJS.ErrnoException).code === 'EPERM';
	}
}

/** Pools with no ONLINE worker, with their newest heartbeat (null when no worker ever registered). */
async function poolsWithoutWorkers(prefect: PrefectClient, pools: string[]): Promise<Map<string, string | null>> {
	const silent = new Map<string, string | null>();
	await Promise.all(
		pools.map(async (pool) => {
			const workers = await prefect.workPools.workers(pool).catch(() => null);
			if (workers === null || workers.some((worker) => worker.status === 'ONLINE')) return; // unknown or alive
			const newest =
				workers
					.map((worker) => worker.last_heartbeat_time)
					.filter((time): time is string => Boolean(time))
					.sort()
					.pop() ?? null;
			silent.set(pool, newest);
		})
	);
	return silent;
}

export interface GoneOptions {
	/** Parent flow run of each run (from a tree loaded withLinks): finds the process a phase subflow runs in. */
	parentOf?: Map<string, string>;
	/** This machine's name, compared with the host of `infrastructure_pid` (Prefect's process worker uses the same). */
	host?: string;
}

/**
 * Why no one is left to finish each active (Running, Pending, Cancelling) run among `runs`, by run id; runs that
 * still have an executor (or where no signal is known) are absent. `runs` should hold the parents of subflows.
 */
export async function runsWithoutExecutor(prefect: PrefectClient, runs: FlowRun[], options: GoneOptions = {}): Promise<Map<string, string>> {
	const host = options.host ?? hostname();
	const reasons = new Map<string, string>();
	const active = runs.filter((run) => isActiveState(run.state_type));
	if (active.length === 0) return reasons;
	const byId = new Map(runs.map((run) => [run.id, run]));
	const pools = [...new Set(active.map((run) => run.work_pool_name).filter((pool): pool is string => Boolean(pool)))];
	const silentPools = await poolsWithoutWorkers(prefect, pools);

	const executorGone = (run: FlowRun, seen: Set<string>): string | null => {
		if (reasons.has(run.id)) return reasons.get(run.id)!;
		if (seen.has(run.id)) return null;
		seen.add(run.id);
		const infrastructure = parseInfrastructurePid(run.infrastructure_pid);
		if (!infrastructure && !run.deployment_id) {
			// A subflow: it lives in the process of the nearest ancestor that has one.
			const parent = byId.get(options.parentOf?.get(run.id) ?? '');
			if (!parent) return null;
			if (isFinalState(parent.state_type)) return `it ran inside the process of ${parent.name}, which is ${parent.state_name ?? parent.state_type}`;
			const parentGone = executorGone(parent, seen);
			return parentGone ? `it runs inside the process of ${parent.name}: ${parentGone}` : null;
		}
		if (infrastructure && infrastructure.host === host && !processExists(infrastructure.pid)) {
			return `its process (pid ${infrastructure.pid} on ${infrastructure.host}) no longer exists`;
		}
		const pool = run.work_pool_name;
		if (pool && silentPools.has(pool)) return `no worker of work pool ${pool} is online (last heartbeat ${silentPools.get(pool) ?? 'never'})`;
		return null;
	};
	for (const run of active) {
		const reason = executorGone(run, new Set());
		if (reason) reasons.set(run.id, reason);
	}
	return reasons;
}

/**
 * The ancestors a subflow runs inside, up to the first with a process of its own (a subflow's process is its
 * parent's), each with its parent link: what runsWithoutExecutor needs to judge a subflow opened on its own.
 */
export async function processAncestors(prefect: PrefectClient, run: FlowRun): Promise<{ runs: FlowRun[]; parentOf: Map<string, string> }> {
	const runs: FlowRun[] = [];
	const parentOf = new Map<string, string>();
	let child = run;
	// As deep as the nesting goes (no depth bound: a cut would call a dead subflow alive); a cycle cannot occur in
	// Prefect's data, but a revisited run ends the walk rather than looping.
	while (child.parent_task_run_id && !child.deployment_id && !child.infrastructure_pid) {
		const [task] = await prefect.taskRuns.filter({ task_runs: { id: { any_: [child.parent_task_run_id] } }, limit: 1 });
		if (!task?.flow_run_id || parentOf.has(task.flow_run_id) || task.flow_run_id === run.id) break;
		const parent = await prefect.flowRuns.get(task.flow_run_id);
		parentOf.set(child.id, parent.id);
		runs.push(parent);
		child = parent;
	}
	return { runs, parentOf };
}

/** The stale runs among `runs`: no executor (runsWithoutExecutor) and quiet for `staleAfterMs`. */
export async function findStaleRuns(prefect: PrefectClient, runs: FlowRun[], options: HealthOptions): Promise<StaleRun[]> {
	const now = options.now ?? Date.now();
	const reasons = await runsWithoutExecutor(prefect, runs, options);
	if (reasons.size === 0) return [];
	const active = runs.filter((run) => reasons.has(run.id));
	const quietBefore = now - options.staleAfterMs;
	const candidates = active.filter((run) => Date.parse(run.state?.timestamp ?? run.updated) <= quietBefore);
	const stale = await mapBounded(
		candidates,
		async (run): Promise<StaleRun | null> => {
			const [newest] = await prefect.logs.filter({ logs: { flow_run_id: { any_: [run.id] } }, sort: 'TIMESTAMP_DESC', limit: 1 });
			const lastLog = newest ? Date.parse(newest.timestamp) : 0;
			if (lastLog > quietBefore) return null;
			const stateAt = Date.parse(run.state?.timestamp ?? run.updated);
			return { id: run.id, name: run.name, reason: reasons.get(run.id)!, quietSince: new Date(Math.max(lastLog, stateAt)).toISOString() };
		},
		LOG_CHECKS_IN_FLIGHT
	);
	return stale.filter((run): run is StaleRun => run !== null);
}

/** The stale runs of a run page: the run and its descendants, judged with the processes they run in. */
export async function staleRunsOfTree(prefect: PrefectClient, rootId: string, staleAfterMs: number): Promise<StaleRun[]> {
	return staleRunsIn(prefect, await loadRunTree(prefect, rootId, { withLinks: true }), staleAfterMs);
}

/** The stale runs of a tree already read (with its parent links): what the run's live feed re-checks. */
export async function staleRunsIn(prefect: PrefectClient, tree: RunTree, staleAfterMs: number): Promise<StaleRun[]> {
	if (![tree.root, ...tree.levels.flat()].some((run) => isActiveState(run.state_type))) return [];
	const ancestors = await processAncestors(prefect, tree.root);
	const inTree = new Set([tree.root.id, ...tree.levels.flat().map((run) => run.id)]);
	const stale = await findStaleRuns(prefect, [tree.root, ...tree.levels.flat(), ...ancestors.runs], {
		staleAfterMs,
		parentOf: new Map([...(tree.parentOf ?? []), ...ancestors.parentOf])
	});
	return stale.filter((run) => inTree.has(run.id));
}
