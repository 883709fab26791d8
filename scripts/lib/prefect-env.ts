/**
 * What the setup tooling derives from Flowdeck's configuration for the Prefect processes it starts (server,
 * workers, flows) and the database it gives a local server. The app itself never starts Prefect processes, so
 * this lives with the tooling.
 */
import { resolve } from 'node:path';
import type { Config } from '#lib/server/config.ts';

/** Absolute path of the local server's PREFECT_HOME. */
export function prefectHome(cfg: Config): string {
	return resolve(process.cwd(), cfg.FLOWDECK_PREFECT_HOME);
}

/**
 * SQLite (Prefect's default, one file in PREFECT_HOME), a PostgreSQL cluster the scripts start in `dataDir`,
 * or an existing database by its SQLAlchemy URL (postgresql+asyncpg://…).
 */
export type PrefectDatabase = { kind: 'sqlite' } | { kind: 'local-postgres'; dataDir: string; port?: number } | { kind: 'url'; url: string };

/** The database `npm run prefect:server` and `npm run demo` give the local Prefect server. */
export function prefectDatabase(cfg: Config): PrefectDatabase {
	if (cfg.FLOWDECK_PREFECT_DATABASE === 'sqlite') return { kind: 'sqlite' };
	if (cfg.FLOWDECK_PREFECT_DATABASE === 'postgres') return { kind: 'local-postgres', dataDir: resolve(process.cwd(), cfg.FLOWDECK_POSTGRES_DIR), port: cfg.FLOWDECK_POSTGRES_PORT };
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
