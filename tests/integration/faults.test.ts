/**
 * Faults, as production has them (docs/operations.md): a worker killed, a flow-run process killed, the
 * orchestrator killed mid fan-out, concurrency slots leaked. Each test kills real processes of the real stack
 * and asserts the end state: every run final (or found stale and marked), no orphan process, every slot free.
 * The worker tests use a work pool and worker of their own, so the shared workers are never touched.
 */
import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FlowRun } from '#lib/prefect/schemas.ts';
import { ORCHESTRATOR, TABLE_CHILD } from '#lib/deployment-names.ts';
import { loadRunTree, treeIsFinal } from '#lib/server/run-tree.ts';
import { cancelRun, markRunAs } from '#lib/server/run-actions.ts';
import { findStaleRuns, parseInfrastructurePid, runsWithoutExecutor, staleRunsOfTree } from '#lib/server/run-health.ts';
import { releaseLeakedSlots } from '#lib/server/concurrency.ts';
import { reconcileSlots } from '#lib/server/slot-reconciler.ts';
import { groupMembers, waitFor } from '../../scripts/lib/processes.ts';
import { superviseWorkers, type WorkerSupervisor } from '../../scripts/lib/workers.ts';
import { prefect2Only, seedPrefect, testApiUrl, testPrefect, testPrefectMajor, waitForFinalTree } from '../helpers/stack.ts';

const prefect = testPrefect();
const stamp = Date.now().toString(36);
const POOL = `it-faults-${stamp}`;

/** A copy of a deployed flow's deployment that targets this file's own work pool. */
async function deploymentOnOwnPool(of: { flow: string; deployment: string }): Promise<string> {
	const source = await seedPrefect<Record<string, unknown>>('GET', `/deployments/name/${of.flow}/${of.deployment}`);
	const created = await seedPrefect<{ id: string }>('POST', '/deployments/', {
		name: `${of.deployment}-${POOL}`,
		flow_id: source.flow_id,
		work_pool_name: POOL,
		work_queue_name: 'default',
		path: source.path,
		entrypoint: source.entrypoint,
		parameter_openapi_schema: source.parameter_openapi_schema,
		parameters: {},
		tags: ['it-faults']
	});
	return created.id;
}

const isAlive = (pid: number) => {
	try {
		process.kill(pid, 0);
		return true;
	} catch {
		return false;
	}
};

/** Waits until the run is Running in a process, and returns that process's pid. */
async function runningPid(runId: string): Promise<number> {
	return waitFor(
		`run ${runId} running in a process`,
		async () => {
			const run = await prefect.flowRuns.get(runId);
			const infrastructure = parseInfrastructurePid(run.infrastructure_pid);
			return run.state_type === 'RUNNING' && infrastructure ? infrastructure.pid : undefined;
		},
		120_000,
		500
	);
}

const waitForState = (runId: string, accept: (run: FlowRun) => boolean, what: string, timeoutMs = 90_000) =>
	waitFor(
		`run ${runId} ${what}`,
		async () => {
			const run = await prefect.flowRuns.get(runId);
			return accept(run) ? run : undefined;
		},
		timeoutMs,
		500
	);

const form = (fields: Record<string, string>) => {
	const data = new FormData();
	for (const [key, value] of Object.entries(fields)) data.set(key, value);
	return data;
};

describe.skipIf(prefect2Only('kills workers mid-run and reconciles v1 tag slots by hand; 3.x holds tag slots as expiring v2 leases, so the reconciler belongs to the per-version concurrency adapter'))(
	'faults',
	() => {
		let supervisor: WorkerSupervisor;
		const lines: string[] = [];

		beforeAll(async () => {
			await prefect.workPools.create({ name: POOL, type: 'process', description: 'faults.test.ts' });
			supervisor = await superviseWorkers({
				count: 1,
				pool: POOL,
				namePrefix: `it-faults-${stamp}`,
				env: { PREFECT_API_URL: testApiUrl(), PREFECT_WORKER_HEARTBEAT_SECONDS: '5', PREFECT_WORKER_QUERY_SECONDS: '1', PREFECT_WORKER_PREFETCH_SECONDS: '1', FLOWDECK_CHILD_POLL_SECONDS: '1' },
				onLine: (line) => lines.push(line),
				maxBackoffMs: 1000,
				prefectMajor: testPrefectMajor()
			});
			await waitFor('the faults worker online', async () => ((await prefect.workPools.workers(POOL)).some((worker) => worker.status === 'ONLINE') ? true : undefined), 90_000, 1000);
		});

		afterAll(async () => {
			const groups = [...supervisor.groups().values()];
			await supervisor.stop();
			// Stopping the supervisor leaves nothing behind: no worker, no flow-run process.
			expect(groups.flatMap(groupMembers)).toEqual([]);
		});

		it('a killed worker takes its flow-run processes with it; their runs end Crashed and the leaked slot is released', async () => {
			const deploymentId = await deploymentOnOwnPool(TABLE_CHILD);
			const run = await prefect.deployments.createFlowRun(deploymentId, { parameters: { table: 1, seconds: 300 } });
			const pid = await runningPid(run.id);
			const [name, pgid] = [...supervisor.groups()][0]!;
			// The table's query task takes a slot of the shared `database` limit once it runs.
			const holder = await waitFor(
				'the query task holding a database slot',
				async () => {
					const [task] = await prefect.taskRuns.filter({ flow_runs: { id: { any_: [run.id] } }, task_runs: { tags: { all_: ['database'] } }, limit: 1 });
					const limit = await prefect.concurrencyLimits.get('database');
					return task && limit.active_slots.includes(task.id) ? task.id : undefined;
				},
				120_000,
				500
			);

			process.kill(pgid, 'SIGKILL');

			await waitFor('the flow-run process to end', async () => (isAlive(pid) ? undefined : true), 30_000, 200);
			expect(groupMembers(pgid)).toEqual([]);
			// The supervisor ends the group with SIGTERM: the flow-run process reports itself Crashed on it, or, if it
			// cannot, the supervisor marks it so.
			const crashed = await waitForState(run.id, (current) => current.state_type === 'CRASHED', 'Crashed');
			expect(crashed.state?.message).toMatch(new RegExp(`termination signal|worker ${name} died`));
			await waitFor('the worker restarted', async () => (supervisor.groups().get(name) !== pgid ? true : undefined), 30_000);

			// A task run that never reported keeps its slot (leaked): releasing leaked slots frees it; none stays taken.
			const leaked = (await prefect.concurrencyLimits.get('database')).active_slots.includes(holder);
			const release = await releaseLeakedSlots(prefect, 'database');
			if (leaked) expect(release.released.map((released) => released.taskRunId)).toContain(holder);
			expect((await prefect.concurrencyLimits.get('database')).active_slots).not.toContain(holder);
		});

		it('a run whose flow-run process was killed with no one to report it is found stale and can be marked Crashed', async () => {
			// What a worker that died during a Prefect outage leaves: a Running run whose process no longer exists.
			const child = spawn('sleep', ['600'], { stdio: 'ignore' });
			const deployment = await prefect.deployments.byName(TABLE_CHILD.flow, TABLE_CHILD.deployment);
			const run = await prefect.flowRuns.create(deployment.flow_id, { name: `it-stale-${stamp}`, parameters: {}, tags: ['it-faults'] });
			await prefect.flowRuns.setState(run.id, { type: 'RUNNING', name: 'Running' }, true);
			await seedPrefect('PATCH', `/flow_runs/${run.id}`, { infrastructure_pid: `${hostname()}:${child.pid}` });
			const live = await prefect.flowRuns.get(run.id);
			expect(await findStaleRuns(prefect, [live], { staleAfterMs: 0 })).toEqual([]);

			child.kill('SIGKILL');
			await waitFor('the process to end', async () => (isAlive(child.pid!) ? undefined : true), 10_000, 100);
			const [stale] = await waitFor(
				'the run found stale',
				async () => {
					const found = await staleRunsOfTree(prefect, run.id, 0);
					return found.length ? found : undefined;
				},
				30_000,
				500
			);
			expect(stale?.id).toBe(run.id);
			expect(stale?.reason).toContain(`pid ${child.pid}`);
			// Not stale while it has been quiet for less than the configured time.
			expect(await staleRunsOfTree(prefect, run.id, 3_600_000)).toEqual([]);

			const marked = await markRunAs(prefect, run.id, form({ state: 'CRASHED', message: 'its process was killed' }));
			expect(marked).toEqual({ message: expect.stringContaining('Crashed') });
			const final = await prefect.flowRuns.get(run.id);
			expect(final.state_type).toBe('CRASHED');
			expect(final.state?.message).toBe('its process was killed');
			expect(await markRunAs(prefect, run.id, form({ state: 'RUNNING' }))).toMatchObject({ status: 400 });
		});

		it('the orchestrator killed mid fan-out: the tables finish, its subflows are found stale, and cancel completes', async () => {
			const deploymentId = await deploymentOnOwnPool(ORCHESTRATOR);
			const root = await prefect.deployments.createFlowRun(deploymentId, { parameters: { tables: 2, seconds: 2, fail_tables: [] } });
			const pid = await runningPid(root.id);
			// Wait until the fan-out has started its tables (they run on the shared workers).
			await waitFor(
				'the tables started',
				async () => {
					const tree = await loadRunTree(prefect, root.id);
					return tree.levels[1]?.length === 2 ? true : undefined;
				},
				120_000,
				500
			);

			process.kill(pid, 'SIGKILL');
			// Its worker is alive: it reports the orchestrator Crashed. The fan-out phase ran inside that process.
			await waitForState(root.id, (run) => run.state_type === 'CRASHED', 'Crashed');
			const tree = await loadRunTree(prefect, root.id, { withLinks: true });
			const fanout = tree.levels[0]!.find((run) => run.name === 'fanout-phase')!;
			const gone = await runsWithoutExecutor(prefect, [tree.root, ...tree.levels.flat()], { parentOf: tree.parentOf });
			if (fanout.state_type === 'RUNNING') expect(gone.get(fanout.id)).toMatch(/Crashed/);

			// Cancelling the tree completes at once for what no one executes, and through the workers for the rest.
			await cancelRun(prefect, root.id, true);
			const final = await waitForFinalTree(root.id, 120_000);
			expect(treeIsFinal(final)).toBe(true);
			const fanoutAfter = final.levels[0]!.find((run) => run.id === fanout.id)!;
			expect(['CANCELLED', 'COMPLETED', 'FAILED']).toContain(fanoutAfter.state_type);
			expect(final.levels[1]!.every((table) => ['COMPLETED', 'CANCELLED'].includes(table.state_type ?? ''))).toBe(true);
		});

		it('the fan-out gives up at its deadline: the orchestrator fails naming the tables, which end cancelled', async () => {
			const deployment = await prefect.deployments.byName(ORCHESTRATOR.flow, ORCHESTRATOR.deployment);
			const root = await prefect.deployments.createFlowRun(deployment.id, { parameters: { tables: 2, seconds: 300, fail_tables: [], deadline_seconds: 3 } });
			const tree = await waitForFinalTree(root.id, 150_000);
			expect(tree.root.state_type).toBe('FAILED');
			expect(tree.root.state?.message).toMatch(/^gave up after 3 s on 2 of 2 tables: 1 \(\w+\), 2 \(\w+\)/);
			const tables = tree.levels[1] ?? [];
			expect(tables).toHaveLength(2);
			expect(tables.every((table) => table.state_type === 'CANCELLED')).toBe(true);
		});

		it('the reconciler keeps live holders and releases leaked ones, one log line each', async () => {
			const tag = `it-leak-${stamp}`;
			await prefect.concurrencyLimits.upsert(tag, 3);
			const flow = await prefect.flows.create('it-faults-leak');
			const run = await prefect.flowRuns.create(flow.id, { name: `it-leak-${stamp}`, parameters: {}, tags: [] });
			await prefect.flowRuns.setState(run.id, { type: 'RUNNING', name: 'Running' }, true);
			const newTask = (key: string, type: string) =>
				seedPrefect<{ id: string }>('POST', '/task_runs/', { flow_run_id: run.id, task_key: key, dynamic_key: '0', name: key, tags: [tag], state: { type } });
			const live = await newTask('live', 'RUNNING');
			const done = await newTask('done', 'COMPLETED');
			const vanished = crypto.randomUUID();
			await prefect.concurrencyLimits.reset(tag, [live.id, done.id, vanished]);

			const released = (await reconcileSlots(prefect)).filter((line) => line.includes(`"${tag}"`));
			expect(released).toHaveLength(2);
			expect(released.join('\n')).toMatch(/Completed/);
			expect(released.join('\n')).toMatch(/no longer exists/);
			expect((await prefect.concurrencyLimits.get(tag)).active_slots).toEqual([live.id]);

			// Once its flow run is final, the last holder is leaked too.
			await prefect.flowRuns.setState(run.id, { type: 'CRASHED', name: 'Crashed' }, true);
			expect((await releaseLeakedSlots(prefect, tag)).released.map((holder) => holder.taskRunId)).toEqual([live.id]);
			expect((await prefect.concurrencyLimits.get(tag)).active_slots).toEqual([]);
			await prefect.concurrencyLimits.delete(tag);
		});
	}
);
