/** The Prefect client used by the app's server code, configured from the environment. */
import { createPrefectClient, type PrefectClient } from '#lib/prefect/client.ts';
import { config, type Config } from './config.ts';

export function prefectConnectionOptions(cfg: Config) {
	return {
		apiUrl: cfg.PREFECT_API_URL,
		timeoutMs: cfg.FLOWDECK_REQUEST_TIMEOUT_MS,
		readRetries: cfg.FLOWDECK_READ_RETRIES,
		headers: (): Record<string, string> => (cfg.PREFECT_API_KEY ? { Authorization: `Bearer ${cfg.PREFECT_API_KEY}` } : {})
	};
}

export function prefectClientFor(cfg: Config = config()): PrefectClient {
	return createPrefectClient(prefectConnectionOptions(cfg));
}
