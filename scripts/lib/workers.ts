/**
 * A supervisor for N Prefect process workers. Each worker is started as the leader of its own process group, and
 * Prefect's process worker starts its flow-run processes (`python -m prefect.engine`) in that same group, so a
 * worker and the runs it executes are one unit the supervisor owns. When a worker dies, or on stop, the supervisor
 * ends the whole group (no orphan keeps running with ppid 1) and marks the flow runs those processes executed
 * Crashed (Cancelled if they were being cancelled), since no one is left to report their end. A worker that died
 * is restarted with backoff. Log lines are prefixed with the worker's name.
 */
import { hostname } from 'node:os';
import { createPrefectClient, type PrefectClient } from '#lib/prefect/client.ts';
import type { NewState } from '#lib/prefect/schemas.ts';
import { ensurePythonEnv, type PrefectMajor } from './python.ts';
import { endGroup, groupMembers, sleep, start, type Managed } from './processes.ts';

export interface SupervisorOptions {
	count: number;
	pool: string;
	env: Record<string, string>;
	/** Log lines of the workers; default prints them with a "[worker-N] " prefix. */
	onLine?: (line: string) => void;
	namePrefix?: string;
	maxBackoffMs?: number;
	/** Where runs left behind are marked Crashed; default: a client for env.PREFECT_API_URL. */
	prefect?: PrefectClient;
	/** The Prefect major version of the server: the workers run from that version's Python environment (default 2). */
	prefectMajor?: PrefectMajor;
}

export interface WorkerSupervisor {
	names: string[];
	/** How often each worker was restarted. */
	restarts: Map<string, number>;
	/** The process group (the worker's pid) of each running worker. */
	groups: () => Map<string, number>;
	stop: () => Promise<void>;
}

const ACTIVE_STATES = ['RUNNING', 'PENDING', 'CANCELLING'] as const;

/**
 * Marks Crashed (or Cancelled, when they were being cancelled) the active runs of `pool` whose process is one of
 * `pids` on this host. Returns one line per run for the log.
 */
export async function markRunsOfProcesses(prefect: PrefectClient, pool: string, pids: number[], why: string): Promise<string[]> {
	if (pids.length === 0) return [];
	const host = hostname();
	// Prefect 2.13.7's process worker records "host:pid"; 3.x records the bare pid (runs of this pool only).
	const wanted = new Set(pids.flatMap((pid) => [`${host}:${pid}`, String(pid)]));
	const runs = await prefect.flowRuns.filterAll({ work_pools: { name: { any_: [pool] } }, flow_runs: { state: { type: { any_: [...ACTIVE_STATES] } } } }, 2000);
	const lines: string[] = [];
	for (const run of runs.filter((candidate) => wanted.has(candidate.infrastructure_pid ?? ''))) {
		const state: NewState =
			run.state_type === 'CANCELLING'
				? { type: 'CANCELLED', name: 'Cancelled', message: `${why}; its process (${run.infrastructure_pid}) was ended while it was being cancelled.` }
				: { type: 'CRASHED', name: 'Crashed', message: `${why}; its process (${run.infrastructure_pid}) was ended with it.` };
		const result = await prefect.flowRuns.setState(run.id, state, true);
		lines.push(`${run.name} (${run.id}) -> ${result.status === 'ACCEPT' ? state.name : `not changed (${result.status})`}`);
	}
	return lines;
}

export async function superviseWorkers(options: SupervisorOptions): Promise<WorkerSupervisor> {
	const { prefectCli } = await ensurePythonEnv(options.prefectMajor ?? 2);
	const names = Array.from({ length: options.count }, (_, index) => `${options.namePrefix ?? 'worker'}-${index + 1}`);
	const running = new Map<string, Managed>();
	const restarts = new Map<string, number>(names.map((name) => [name, 0]));
	const log = options.onLine ?? console.log;
	const prefect = options.prefect ?? createPrefectClient({ apiUrl: options.env.PREFECT_API_URL ?? 'http://127.0.0.1:4200/api' });
	let stopping = false;

	/** Ends a worker's whole group with `end` and marks the runs its flow-run processes executed. */
	const endWorker = async (name: string, pgid: number, end: () => Promise<void>, why: string) => {
		const flowRunPids = groupMembers(pgid).filter((pid) => pid !== pgid);
		await end();
		if (flowRunPids.length === 0) return;
		log(`[supervisor] ${name}: ended ${flowRunPids.length} flow-run process${flowRunPids.length === 1 ? '' : 'es'} (${flowRunPids.join(', ')})`);
		try {
			for (const line of await markRunsOfProcesses(prefect, options.pool, flowRunPids, why)) log(`[supervisor] ${name}: marked ${line}`);
		} catch (error) {
			log(`[supervisor] ${name}: could not mark its runs Crashed (${error instanceof Error ? error.message : String(error)}); Flowdeck shows them as stale`);
		}
	};

	const launch = (name: string) => {
		const worker = start(prefectCli, ['worker', 'start', '--pool', options.pool, '--name', name, '--type', 'process'], {
			// Its output shows as it is printed: into a pipe, Python would hold it in a buffer that a killed worker loses.
			env: { PYTHONUNBUFFERED: '1', ...options.env },
			prefix: `[${name}] `,
			onLine: options.onLine
		});
		running.set(name, worker);
		const startedAt = Date.now();
		void worker.exited.then(async (code) => {
			if (stopping) return;
			// Its flow-run processes are still in its group (now with ppid 1): end them before starting over.
			const pgid = worker.child.pid;
			if (pgid !== undefined) await endWorker(name, pgid, () => endGroup(pgid, 3000), `worker ${name} died (exit ${code})`);
			const count = (restarts.get(name) ?? 0) + 1;
			restarts.set(name, count);
			// A worker that ran a while before dying starts over at a short delay.
			const attempt = Date.now() - startedAt > 60_000 ? 1 : count;
			const delay = Math.min(options.maxBackoffMs ?? 30_000, 500 * 2 ** (attempt - 1));
			log(`[supervisor] ${name} exited (code ${code}); restarting in ${(delay / 1000).toFixed(1)} s`);
			await sleep(delay);
			if (!stopping) launch(name);
		});
	};
	names.forEach(launch);

	return {
		names,
		restarts,
		groups: () => new Map([...running].filter(([, worker]) => worker.child.pid !== undefined).map(([name, worker]) => [name, worker.child.pid!])),
		stop: async () => {
			stopping = true;
			await Promise.all(
				[...running].map(([name, worker]) => (worker.child.pid === undefined ? worker.stop() : endWorker(name, worker.child.pid, () => worker.stop(), `the supervisor stopped worker ${name}`)))
			);
		}
	};
}
