/**
 * A supervisor for N Prefect process workers: restarts one that dies (with backoff), prefixes its log
 * lines, and stops them all, process groups included, so no flow-run process is left behind.
 */
import { ensurePythonEnv, prefectCli } from './python.ts';
import { sleep, start, type Managed } from './processes.ts';

export interface SupervisorOptions {
	count: number;
	pool: string;
	env: Record<string, string>;
	/** Log lines of the workers; default prints them with a "[worker-N] " prefix. */
	onLine?: (line: string) => void;
	namePrefix?: string;
	maxBackoffMs?: number;
}

export interface WorkerSupervisor {
	names: string[];
	/** How often each worker was restarted. */
	restarts: Map<string, number>;
	stop: () => Promise<void>;
}

export async function superviseWorkers(options: SupervisorOptions): Promise<WorkerSupervisor> {
	await ensurePythonEnv();
	const names = Array.from({ length: options.count }, (_, index) => `${options.namePrefix ?? 'worker'}-${index + 1}`);
	const running = new Map<string, Managed>();
	const restarts = new Map<string, number>(names.map((name) => [name, 0]));
	let stopping = false;

	const launch = (name: string) => {
		const worker = start(prefectCli, ['worker', 'start', '--pool', options.pool, '--name', name, '--type', 'process'], {
			env: options.env,
			prefix: `[${name}] `,
			onLine: options.onLine
		});
		running.set(name, worker);
		const startedAt = Date.now();
		void worker.exited.then(async (code) => {
			if (stopping) return;
			const count = (restarts.get(name) ?? 0) + 1;
			restarts.set(name, count);
			// A worker that ran a while before dying starts over at a short delay.
			const attempt = Date.now() - startedAt > 60_000 ? 1 : count;
			const delay = Math.min(options.maxBackoffMs ?? 30_000, 500 * 2 ** (attempt - 1));
			(options.onLine ?? console.log)(`[supervisor] ${name} exited (code ${code}); restarting in ${(delay / 1000).toFixed(1)} s`);
			await sleep(delay);
			if (!stopping) launch(name);
		});
	};
	names.forEach(launch);

	return {
		names,
		restarts,
		stop: async () => {
			stopping = true;
			await Promise.all([...running.values()].map((worker) => worker.stop()));
		}
	};
}
