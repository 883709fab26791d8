/**
 * npm run bench -- etl: the distributed ETL (12 tables x 2 s, 3 workers, tag limit 3) on a real Prefect 2.13.7,
 * timed from the run's creation to its end, against the ideal (ceil(12 / 3) x 2 s = 8 s) and against the PoC's
 * design measured in the same run on the same machine: Prefect's default worker timings (query and prefetch every
 * 10 s), run_deployment's 5 s polling, the server's 30 s tag-slot wait, and no compiled bytecode. Designs are
 * interleaved, so machine load hits both alike.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PrefectClient } from '#lib/prefect/client.ts';
import { ORCHESTRATOR, TABLE_CHILD } from '#lib/deployment-names.ts';
import { isFinalState } from '#lib/prefect/states.ts';
import { sleep, waitFor } from '../scripts/lib/processes.ts';
import { reportOnline } from '../scripts/lib/worker-status.ts';
import { superviseWorkers } from '../scripts/lib/workers.ts';
import { startEtlPrefect } from './servers.ts';

const TABLES = 12;
const SECONDS = 2;
const WORKERS = 3;
const LIMIT = 3;
const IDEAL_S = Math.ceil(TABLES / LIMIT) * SECONDS;
const RUN_TIMEOUT_MS = 600_000;

interface Design {
	name: string;
	/** Environment of the workers (and so of every flow-run process). */
	env: (base: Record<string, string>) => Record<string, string>;
}

const DESIGNS: Design[] = [
	{ name: 'Flowdeck', env: (base) => base },
	{
		name: 'PoC design',
		env: (base) => ({
			...base,
			PREFECT_WORKER_QUERY_SECONDS: '10',
			PREFECT_WORKER_PREFETCH_SECONDS: '10',
			PREFECT_WORKER_HEARTBEAT_SECONDS: '30',
			FLOWDECK_CHILD_POLL_SECONDS: '5',
			PREFECT_TASK_RUN_TAG_CONCURRENCY_SLOT_WAIT_SECONDS: '',
			PREFECT_LOGGING_TO_API_BATCH_INTERVAL: '2',
			// Bytecode looked up in an empty directory: every import compiles from source, as in a venv without it.
			PYTHONPYCACHEPREFIX: join(tmpdir(), `flowdeck-bench-no-pyc-${process.pid}`),
			PYTHONDONTWRITEBYTECODE: '1'
		})
	}
];

interface Measure {
	design: string;
	wallS: number;
	/** Median and max of each table run's creation -> start (scheduling, worker pick-up, process start). */
	startMedianS: number;
	startMaxS: number;
	state: string;
}

const median = (values: number[]) => {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted.length ? (sorted[Math.floor((sorted.length - 1) / 2)]! + sorted[Math.ceil((sorted.length - 1) / 2)]!) / 2 : NaN;
};
const seconds = (from: string | null | undefined, to: string | null | undefined) => (from && to ? (Date.parse(to) - Date.parse(from)) / 1000 : NaN);

async function runOnce(prefect: PrefectClient, design: Design, baseEnv: Record<string, string>, workPool: string, round: number): Promise<Measure> {
	const workers = await superviseWorkers({ count: WORKERS, pool: workPool, env: design.env(baseEnv), namePrefix: `bench-${round}`, onLine: () => {} });
	try {
		if (!(await reportOnline(prefect, workPool, workers.names, () => {}, 180_000))) throw new Error(`${design.name}: the workers did not come online`);
		const deployment = await prefect.deployments.byName(ORCHESTRATOR.flow, ORCHESTRATOR.deployment);
		const created = await prefect.deployments.createFlowRun(deployment.id, { parameters: { tables: TABLES, seconds: SECONDS } });
		const done = await waitFor(
			`${design.name}: the distributed ETL to end`,
			async () => {
				const run = await prefect.flowRuns.get(created.id);
				return isFinalState(run.state_type) ? run : undefined;
			},
			RUN_TIMEOUT_MS,
			500
		);
		const children = await prefect.flowRuns.filter({
			flows: { name: { any_: [TABLE_CHILD.flow] } },
			flow_runs: { expected_start_time: { after_: created.created ?? new Date().toISOString() } },
			limit: 200
		});
		const starts = children.map((child) => seconds(child.created, child.start_time)).filter(Number.isFinite);
		return {
			design: design.name,
			wallS: seconds(done.created, done.end_time),
			startMedianS: median(starts),
			startMaxS: Math.max(...starts),
			state: done.state_name ?? String(done.state_type)
		};
	} finally {
		await workers.stop();
	}
}

export async function etlBench(rounds: number): Promise<void> {
	const home = mkdtempSync(join(tmpdir(), 'flowdeck-bench-etl-'));
	const { prefect, cfg, env, stop } = await startEtlPrefect(home, LIMIT);
	try {
		const measures: Measure[] = [];
		for (let round = 1; round <= rounds; round++) {
			for (const design of round % 2 ? DESIGNS : [...DESIGNS].reverse()) {
				process.stdout.write(`round ${round}/${rounds}: ${design.name}… `);
				const measure = await runOnce(prefect, design, env, cfg.PREFECT_WORK_POOL, round);
				measures.push(measure);
				console.log(`${measure.wallS.toFixed(1)} s (${measure.state}); table runs created -> running: median ${measure.startMedianS.toFixed(1)} s, max ${measure.startMaxS.toFixed(1)} s`);
				await sleep(2000);
			}
		}
		const of = (name: string) => measures.filter((measure) => measure.design === name);
		const flowdeck = median(of('Flowdeck').map((measure) => measure.wallS));
		const poc = median(of('PoC design').map((measure) => measure.wallS));
		console.log(`\nDistributed ETL, ${TABLES} tables x ${SECONDS} s, ${WORKERS} workers, tag limit ${LIMIT} (median of ${rounds}; ideal ${IDEAL_S} s)\n`);
		console.log('| design | wall (s) | ÷ ideal | table run created → running, median (s) | max (s) |');
		console.log('|---|---|---|---|---|');
		for (const design of DESIGNS) {
			const rows = of(design.name);
			const wall = median(rows.map((row) => row.wallS));
			console.log(
				`| ${design.name} | ${wall.toFixed(1)} | ${(wall / IDEAL_S).toFixed(1)}x | ${median(rows.map((row) => row.startMedianS)).toFixed(1)} | ${median(rows.map((row) => row.startMaxS)).toFixed(1)} |`
			);
		}
		console.log(`\nFlowdeck ÷ PoC design: ${(flowdeck / poc).toFixed(2)}x`);
	} finally {
		await stop();
		rmSync(home, { recursive: true, force: true });
	}
}
