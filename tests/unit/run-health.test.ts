import { describe, expect, it } from 'vitest';
import type { PrefectClient } from '#lib/prefect/client.ts';
import type { FlowRun, StateType } from '#lib/prefect/schemas.ts';
import { cancelStateFor, markRunAs } from '#lib/server/run-actions.ts';
import { findStaleRuns, parseInfrastructurePid, processAncestors, runsWithoutExecutor } from '#lib/server/run-health.ts';
import { wireRun } from '../helpers/wire-run.ts';

const HOST = 'this-host';
const NOW = Date.parse('2026-01-01T12:00:00Z');
const longAgo = '2026-01-01T11:00:00Z';

function flowRun(id: string, state: StateType, extra: Partial<FlowRun> = {}): FlowRun {
	return wireRun(id, state, { created: longAgo, updated: longAgo, state: { type: state, name: null, timestamp: longAgo }, run_count: 1, ...extra });
}

/** Just what run-health reads: the pool's workers and a run's newest log. */
function fakePrefect(options: { online?: boolean; lastLog?: string } = {}): PrefectClient {
	return {
		workPools: { workers: async () => [{ status: options.online ? 'ONLINE' : 'OFFLINE', last_heartbeat_time: '2026-01-01T10:00:00Z' }] },
		logs: { filter: async () => (options.lastLog ? [{ timestamp: options.lastLog }] : []) }
	} as unknown as PrefectClient;
}

const dead = `${HOST}:999999999`; // no such pid
const alive = `${HOST}:${process.pid}`;

describe('runs no one executes', () => {
	it('reads host and pid from infrastructure_pid', () => {
		expect(parseInfrastructurePid('a:b:42')).toEqual({ host: 'a:b', pid: 42 });
		expect(parseInfrastructurePid(null)).toBeNull();
	});

	it('finds a run whose process is gone on this host, and not one whose process lives', async () => {
		const runs = [
			flowRun('gone', 'RUNNING', { deployment_id: 'd', infrastructure_pid: dead, work_pool_name: 'p' }),
			flowRun('live', 'RUNNING', { deployment_id: 'd', infrastructure_pid: alive, work_pool_name: 'p' })
		];
		const gone = await runsWithoutExecutor(fakePrefect({ online: true }), runs, { host: HOST });
		expect([...gone.keys()]).toEqual(['gone']);
		expect(gone.get('gone')).toContain('no longer exists');
	});

	it('finds runs of a pool with no online worker, and subflows of a final or abandoned run', async () => {
		const root = flowRun('root', 'RUNNING', { deployment_id: 'd', infrastructure_pid: 'elsewhere:1', work_pool_name: 'p' });
		const phase = flowRun('phase', 'RUNNING', { parent_task_run_id: 't' });
		const parentOf = new Map([['phase', 'root']]);
		const offline = await runsWithoutExecutor(fakePrefect({ online: false }), [root, phase], { host: HOST, parentOf });
		expect(offline.get('root')).toMatch(/no worker of work pool p is online/);
		expect(offline.get('phase')).toMatch(/inside the process of root/);
		const crashedRoot = { ...root, state_type: 'CRASHED' as const, state_name: 'Crashed' };
		const orphaned = await runsWithoutExecutor(fakePrefect({ online: true }), [crashedRoot, phase], { host: HOST, parentOf });
		expect(orphaned.get('phase')).toMatch(/which is Crashed/);
		expect(await runsWithoutExecutor(fakePrefect({ online: true }), [root, phase], { host: HOST, parentOf })).toEqual(new Map());
	});

	it('calls a run stale only once it has been quiet long enough (state and logs)', async () => {
		const run = flowRun('gone', 'RUNNING', { deployment_id: 'd', infrastructure_pid: dead });
		const options = { host: HOST, now: NOW, staleAfterMs: 120_000 };
		expect((await findStaleRuns(fakePrefect(), [run], options)).map((stale) => stale.id)).toEqual(['gone']);
		expect(await findStaleRuns(fakePrefect({ lastLog: '2026-01-01T11:59:30Z' }), [run], options)).toEqual([]);
		const fresh = { ...run, state: { type: 'RUNNING' as const, name: null, timestamp: '2026-01-01T11:59:00Z' } };
		expect(await findStaleRuns(fakePrefect(), [fresh], options)).toEqual([]);
		// Scheduled and final runs are never stale.
		expect(await findStaleRuns(fakePrefect(), [flowRun('s', 'SCHEDULED', { infrastructure_pid: dead }), flowRun('c', 'COMPLETED', { infrastructure_pid: dead })], options)).toEqual([]);
	});

	it('names every stale run, however many there are', async () => {
		const runs = Array.from({ length: 120 }, (_, index) => flowRun(`gone-${index}`, 'RUNNING', { deployment_id: 'd', infrastructure_pid: dead }));
		const stale = await findStaleRuns(fakePrefect(), runs, { host: HOST, now: NOW, staleAfterMs: 120_000 });
		expect(stale.map((run) => run.id)).toEqual(runs.map((run) => run.id));
	});

	it('follows a subflow up to the run whose process it runs in, at any depth', async () => {
		// root (its own process) > inline-1 > … > inline-9: each inline subflow's parent is found through its parent task run.
		const chain = [
			flowRun('root', 'RUNNING', { deployment_id: 'd', infrastructure_pid: dead }),
			...Array.from({ length: 9 }, (_, index) => flowRun(`inline-${index + 1}`, 'RUNNING', { parent_task_run_id: `task-${index + 1}` }))
		];
		const byId = new Map(chain.map((run) => [run.id, run]));
		const prefect = {
			taskRuns: { filter: async (body: { task_runs: { id: { any_: string[] } } }) => [{ flow_run_id: chain[Number(body.task_runs.id.any_[0]!.slice(5)) - 1]!.id }] },
			flowRuns: { get: async (id: string) => byId.get(id)! }
		} as unknown as PrefectClient;
		const ancestors = await processAncestors(prefect, chain.at(-1)!);
		expect(ancestors.runs.map((run) => run.id)).toEqual(
			chain
				.slice(0, -1)
				.reverse()
				.map((run) => run.id)
		);
		const gone = await runsWithoutExecutor(fakePrefect({ online: true }), chain, { host: HOST, parentOf: ancestors.parentOf });
		expect(gone.get('inline-9')).toMatch(/no longer exists/);
	});
});

describe('cancel and mark', () => {
	it('cancels through the worker unless no one can finish the run', () => {
		expect(cancelStateFor(flowRun('r', 'RUNNING'))).toEqual({ type: 'CANCELLING', name: 'Cancelling' });
		expect(cancelStateFor(flowRun('r', 'SCHEDULED'))).toEqual({ type: 'CANCELLED', name: 'Cancelled' });
		expect(cancelStateFor(flowRun('r', 'CANCELLING'), 'its process is gone')).toMatchObject({ type: 'CANCELLED', message: expect.stringContaining('its process is gone') });
	});

	it('refuses a state that is not final, and an overlong message, before asking Prefect', async () => {
		const form = (state: string, message = '') => {
			const data = new FormData();
			data.set('state', state);
			data.set('message', message);
			return data;
		};
		const prefect = {} as PrefectClient; // never called
		expect(await markRunAs(prefect, 'id', form('RUNNING'))).toMatchObject({ status: 400 });
		expect(await markRunAs(prefect, 'id', form('CRASHED', 'x'.repeat(501)))).toMatchObject({ status: 400 });
	});
});
