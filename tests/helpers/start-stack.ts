/**
 * A throw-away stack for the tests: Prefect on a free port with a temporary PREFECT_HOME, the work pool and
 * concurrency limit, the deployed flows, and N workers. Everything it starts, stop() ends.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPrefectClient } from '#lib/prefect/client.ts';
import { parseConfig } from '#lib/server/config.ts';
import { prefectProcessEnv } from '../../scripts/lib/prefect-env.ts';
import { deployFixtureFlows, deployFlows } from '../../scripts/lib/deploy.ts';
import { startLocalServer } from '../../scripts/lib/local-server.ts';
import { freePort } from '../../scripts/lib/processes.ts';
import { pythonEnvs, type PrefectMajor } from '../../scripts/lib/python.ts';
import { setupServer } from '../../scripts/lib/setup.ts';
import { superviseWorkers } from '../../scripts/lib/workers.ts';
import { reportOnline } from '../../scripts/lib/worker-status.ts';

/** Waits for the server and the workers to come up: seconds when idle, minutes on a loaded 2-core machine (measured: over 90 s at load 25). */
const START_MS = 300_000;

export interface TestStack {
	apiUrl: string;
	workPool: string;
	tag: string;
	limit: number;
	/** The Prefect major version it runs (2 = 2.13.7, 3 = 3.x). */
	prefect: PrefectMajor;
	/** Environment for processes that use this stack (workers, the UI server, tests). */
	env: Record<string, string>;
	stop: () => Promise<void>;
}

export interface TestStackOptions {
	workers: number;
	/** Prefect's database: SQLite in the temporary PREFECT_HOME (default), or a PostgreSQL cluster of its own there. */
	database?: 'sqlite' | 'postgres';
	/** The Prefect major version to run: 2 (2.13.7, default) or 3 (3.x, from its own Python environment). */
	prefect?: PrefectMajor;
	log?: (line: string) => void;
}

export async function startTestStack(options: TestStackOptions): Promise<TestStack> {
	const log = options.log ?? ((line: string) => console.log(line));
	const major = options.prefect ?? 2;
	const home = mkdtempSync(join(tmpdir(), 'flowdeck-prefect-'));
	// PostgreSQL runs as its own user (when we are root): it must be able to reach its data directory.
	if (options.database === 'postgres') chmodSync(home, 0o755);
	const apiUrl = `http://127.0.0.1:${await freePort()}/api`;
	const cfg = parseConfig({
		PREFECT_API_URL: apiUrl,
		FLOWDECK_CHILD_POLL_SECONDS: '1',
		PREFECT_WORKER_HEARTBEAT_SECONDS: '5',
		PREFECT_WORKER_QUERY_SECONDS: '1',
		PREFECT_WORKER_PREFETCH_SECONDS: '1'
	});
	const env = prefectProcessEnv(cfg);
	const stops: Array<() => Promise<void>> = [];
	const stop = async () => {
		for (const step of stops.reverse()) await step().catch(() => {});
		rmSync(home, { recursive: true, force: true });
	};
	try {
		log(`starting Prefect ${pythonEnvs[major].prefectVersion} at ${apiUrl} (PREFECT_HOME=${home})`);
		const database = options.database === 'postgres' ? { kind: 'local-postgres' as const, dataDir: join(home, 'postgres') } : { kind: 'sqlite' as const };
		const server = await startLocalServer({ apiUrl, home, database, log, timeoutMs: START_MS, prefect: major, tagSlotWaitSeconds: cfg.PREFECT_TASK_RUN_TAG_CONCURRENCY_SLOT_WAIT_SECONDS });
		stops.push(server.stop);
		const prefect = createPrefectClient({ apiUrl });
		await setupServer(prefect, { workPool: cfg.PREFECT_WORK_POOL, tag: cfg.PREFECT_CONCURRENCY_TAG, limit: cfg.PREFECT_CONCURRENCY_LIMIT });
		log('deploying flows');
		await deployFlows(major, env, () => {});
		await deployFixtureFlows(major, env, () => {});
		const workers = await superviseWorkers({ count: options.workers, pool: cfg.PREFECT_WORK_POOL, env, onLine: () => {}, prefectMajor: major });
		stops.push(workers.stop);
		if (!(await reportOnline(prefect, cfg.PREFECT_WORK_POOL, workers.names, log, START_MS))) throw new Error('workers did not come online');
		// The UI server of the tests shows runs no one executes as stale after 5 quiet seconds (default 120).
		// FLOWDECK_PREFECT_VERSION tells the tests (and scripts they start) which Prefect the stack runs.
		return {
			apiUrl,
			workPool: cfg.PREFECT_WORK_POOL,
			tag: cfg.PREFECT_CONCURRENCY_TAG,
			limit: cfg.PREFECT_CONCURRENCY_LIMIT,
			prefect: major,
			env: { ...env, FLOWDECK_STALE_AFTER_SECONDS: '5', FLOWDECK_PREFECT_VERSION: String(major) },
			stop
		};
	} catch (error) {
		await stop();
		throw error;
	}
}
