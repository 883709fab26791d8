/** The Prefect client used by the app's server code and the npm scripts, configured from the environment. */
import { createPrefectClient, type PrefectClient } from '#lib/prefect/client.ts';
import type { PrefectConnection, UpstreamCredentials } from '#lib/prefect/request.ts';
import type { Config } from './config.ts';

/** The connection to PREFECT_API_URL carrying `credentials` (a user's session, the service account, an API key). */
export function prefectConnectionOptions(cfg: Config, credentials: UpstreamCredentials): PrefectConnection {
	return {
		apiUrl: cfg.PREFECT_API_URL,
		timeoutMs: cfg.FLOWDECK_REQUEST_TIMEOUT_MS,
		readRetries: cfg.FLOWDECK_READ_RETRIES,
		...credentials
	};
}

export function prefectClientFor(cfg: Config, credentials: UpstreamCredentials): PrefectClient {
	return createPrefectClient(prefectConnectionOptions(cfg, credentials));
}
