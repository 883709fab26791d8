/**
 * What the setup tooling derives from Flowdeck's configuration for the Prefect processes it starts (server,
 * workers, flows). The app itself never starts Prefect processes, so this lives with the tooling.
 */
import { resolve } from 'node:path';
import type { Config } from '#lib/server/config.ts';

/** Absolute path of the local server's PREFECT_HOME. */
export function prefectHome(cfg: Config): string {
	return resolve(process.cwd(), cfg.FLOWDECK_PREFECT_HOME);
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
		PREFECT_LOGGING_TO_API_BATCH_INTERVAL: '1'
	};
	if (cfg.PREFECT_API_KEY) env.PREFECT_API_KEY = cfg.PREFECT_API_KEY;
	return env;
}
