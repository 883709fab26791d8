/** Prints "worker-N ONLINE" once each named worker's heartbeat reaches Prefect. */
import type { PrefectClient } from '#lib/prefect/client.ts';
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
