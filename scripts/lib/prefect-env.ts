/**
 * What the setup tooling derives from Flowdeck's configuration for the Prefect processes it starts (server,
 * workers, flows) and the database it gives a local server. The app itself never starts Prefect processes, so
 * this lives with the tooling.
 */
import { resolve } from 'node:path';
import type { Config } from '#lib/server/config.ts';
import { PREFECT_MAJORS, type PrefectMajor } from './python.ts';

/** The Prefect major version the scripts start (FLOWDECK_PREFECT_VERSION, or --prefect). */
export const prefectMajor = (cfg: Config): PrefectMajor => (cfg.FLOWDECK_PREFECT_VERSION === '3' ? 3 : 2);

/** The --prefect option of the scripts that start a server or run flows without one to ask. */
export const prefectOption = {
	type: 'string',
	value: '2|3',
	description: 'the Prefect major version: 2 (2.13.7, the default) or 3 (3.x, Python 3.12) (overrides FLOWDECK_PREFECT_VERSION)'
} as const;

/** Applies --prefect (checked) over FLOWDECK_PREFECT_VERSION before the configuration is read. */
export function applyPrefectOption(value: string | undefined, usage: (message: string) => never): void {
	if (value === undefined) return;
	if (value !== '2' && value !== '3') usage(`--prefect must be 2 or 3, got ${value}`);
	process.env.FLOWDECK_PREFECT_VERSION = value;
}

/** The major version of a Prefect release string ("2.13.7" -> 2), or undefined for one the tooling cannot run. */
export function majorOfVersion(version: string): PrefectMajor | undefined {
	const major = Number(/^(\d+)\./.exec(version.trim())?.[1]);
	return PREFECT_MAJORS.find((known) => known === major);
}

/**
 * Absolute path of the local server's PREFECT_HOME: FLOWDECK_PREFECT_HOME for 2.13.7, the same path with "-3"
 * for 3.x, so the two versions' databases and settings never mix (3.x migrates a database it opens).
 */
export function prefectHome(cfg: Config, major: PrefectMajor = prefectMajor(cfg)): string {
	const home = resolve(process.cwd(), cfg.FLOWDECK_PREFECT_HOME);
	return major === 3 ? `${home}-3` : home;
}

/**
 * SQLite (Prefect's default, one file in PREFECT_HOME), a PostgreSQL cluster the scripts start in `dataDir`,
 * or an existing database by its SQLAlchemy URL (postgresql+asyncpg://…).
 */
export type PrefectDatabase = { kind: 'sqlite' } | { kind: 'local-postgres'; dataDir: string; port?: number } | { kind: 'url'; url: string };

/** The database `npm run prefect:server` and `npm run demo` give the local Prefect server. */
export function prefectDatabase(cfg: Config): PrefectDatabase {
	if (cfg.FLOWDECK_PREFECT_DATABASE === 'sqlite') return { kind: 'sqlite' };
	if (cfg.FLOWDECK_PREFECT_DATABASE === 'postgres') {
		// A cluster of its own for 3.x (suffix -3), as for PREFECT_HOME: 3.x migrates the database it opens.
		const dataDir = resolve(process.cwd(), cfg.FLOWDECK_POSTGRES_DIR);
		return { kind: 'local-postgres', dataDir: prefectMajor(cfg) === 3 ? `${dataDir}-3` : dataDir, port: cfg.FLOWDECK_POSTGRES_PORT };
	}
	return { kind: 'url', url: cfg.FLOWDECK_PREFECT_DATABASE };
}

/** Environment for Prefect processes (server, workers, flows) that carries the timing settings. */
export function prefectProcessEnv(cfg: Config): Record<string, string> {
	const env: Record<string, string> = {
		PREFECT_API_URL: cfg.PREFECT_API_URL,
		PREFECT_WORK_POOL: cfg.PREFECT_WORK_POOL,
		PREFECT_WORKER_QUERY_SECONDS: String(cfg.PREFECT_WORKER_QUERY_SECONDS),
		PREFECT_WORKER_PREFETCH_SECONDS: String(cfg.PREFECT_WORKER_PREFETCH_SECONDS),
		PREFECT_WORKER_HEARTBEAT_SECONDS: String(cfg.PREFECT_WORKER_HEARTBEAT_SECONDS),
		PREFECT_TASK_RUN_TAG_CONCURRENCY_SLOT_WAIT_SECONDS: String(cfg.PREFECT_TASK_RUN_TAG_CONCURRENCY_SLOT_WAIT_SECONDS),
		FLOWDECK_CHILD_POLL_SECONDS: String(cfg.FLOWDECK_CHILD_POLL_SECONDS),
		FLOWDECK_BUSY_RETRY_SECONDS: String(cfg.FLOWDECK_BUSY_RETRY_SECONDS),
		PREFECT_LOGGING_TO_API_BATCH_INTERVAL: '1'
	};
	if (cfg.PREFECT_API_KEY) env.PREFECT_API_KEY = cfg.PREFECT_API_KEY;
	// Prefect 3's own client sends it as Basic auth (workers, flows), as Flowdeck does.
	if (cfg.PREFECT_API_AUTH_STRING) env.PREFECT_API_AUTH_STRING = cfg.PREFECT_API_AUTH_STRING;
	return env;
}
