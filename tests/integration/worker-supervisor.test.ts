/** The supervisor behind `npm run workers`: restarts a worker that dies and leaves no process behind. */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { superviseWorkers } from '../../scripts/lib/workers.ts';
import { waitFor } from '../../scripts/lib/processes.ts';
import { testApiUrl, testPrefect, testPrefectMajor } from '../helpers/stack.ts';

function processesOf(name: string): number[] {
	const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
	return out
		.split('\n')
		.filter((line) => line.includes('worker start') && line.includes(`--name ${name}`))
		.map((line) => Number(line.trim().split(/\s+/)[0]));
}

describe('worker supervisor', () => {
	it('restarts a killed worker, reports it online again, and stops every process', async () => {
		const prefect = testPrefect();
		const lines: string[] = [];
		const supervisor = await superviseWorkers({
			count: 1,
			pool: 'default-pool',
			namePrefix: `it-supervised-${Date.now()}`,
			env: { PREFECT_API_URL: testApiUrl(), PREFECT_WORKER_HEARTBEAT_SECONDS: '5', PREFECT_WORKER_QUERY_SECONDS: '1' },
			onLine: (line) => lines.push(line),
			prefectMajor: testPrefectMajor()
		});
		const [name] = supervisor.names;
		try {
			const online = async () => ((await prefect.workPools.workers('default-pool')).some((worker) => worker.name === name && worker.status === 'ONLINE') ? true : undefined);
			await waitFor(`${name} online`, online, 60_000);
			const [pid] = await waitFor('the worker process', async () => (processesOf(name!)[0] !== undefined ? processesOf(name!) : undefined), 10_000);
			process.kill(pid!, 'SIGKILL');
			await waitFor('a restart', async () => (supervisor.restarts.get(name!) === 1 ? true : undefined), 30_000);
			await waitFor('a new worker process', async () => (processesOf(name!).some((other) => other !== pid) ? true : undefined), 30_000);
			expect(lines.some((line) => line.startsWith(`[supervisor] ${name} exited`))).toBe(true);
			// The worker's own output, prefixed with its name (it may reach the pipe a moment after the process exists).
			await expect.poll(() => lines.some((line) => line.startsWith(`[${name}] `)), { timeout: 30_000 }).toBe(true);
		} finally {
			await supervisor.stop();
		}
		expect(processesOf(name!)).toEqual([]);
	});
});
