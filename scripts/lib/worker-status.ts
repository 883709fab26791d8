/** Workers as the scripts see them: "worker-N ONLINE" as heartbeats arrive, and a hint when none polls a pool. */
import type { PrefectClient } from '#lib/prefect/client.ts';
import type { RunSnapshot } from '#lib/server/live/run-feed.ts';
import { sleep } from './processes.ts';

export async function reportOnline(prefect: PrefectClient, pool: string, names: string[], print: (line: string) => void, timeoutMs = 120_000): Promise<boolean> {
	const pending = new Set(names);
	const deadline = Date.now() + timeoutMs;
	while (pending.size > 0 && Date.now() < deadline) {
		const workers = await prefect.workPools.workers(pool).catch(() => []);
		for (const worker of workers) {
			if (pending.has(worker.name) && worker.status === 'ONLINE') {
				pending.delete(worker.name);
				print(`\u2713 ${worker.name} ONLINE (${names.length - pending.size}/${names.length})`);
			}
		}
		if (pending.size > 0) await sleep(1000);
	}
	if (pending.size > 0) print(`! not online after ${timeoutMs / 1000} s: ${[...pending].join(', ')}`);
	return pending.size === 0;
}

/** How long runs may wait before the pool's workers are checked (a worker picks work up within seconds). */
export const WAIT_BEFORE_HINT_MS = 15_000;

/**
 * A followRun check: once runs of the tree have waited WAIT_BEFORE_HINT_MS in Scheduled/Late and no worker of
 * `pool` is online, one line saying so and how to start one. Said once; following goes on.
 */
export function noWorkerHint(prefect: PrefectClient, pool: string, waitMs = WAIT_BEFORE_HINT_MS): (snapshot: RunSnapshot) => Promise<string | undefined> {
	let waitingSince: number | undefined;
	let said = false;
	return async ({ run, rows }) => {
		const waiting = [run, ...rows.map((row) => row.run)].some((view) => view.state.type === 'SCHEDULED');
		if (!waiting || said) {
			waitingSince = undefined;
			return undefined;
		}
		waitingSince ??= Date.now();
		if (Date.now() - waitingSince < waitMs) return undefined;
		const online = (await prefect.workPools.workers(pool).catch(() => undefined))?.some((worker) => worker.status === 'ONLINE');
		if (online !== false) return undefined;
		said = true;
		return `! no worker is polling work pool ${pool}: the run waits until one does. Start workers in another terminal: npm run workers (still following; Ctrl-C to stop)`;
	};
}
