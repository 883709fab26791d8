/** The Prefect client used by the app's server code and the npm scripts, configured from the environment. */
import { createPrefectClient, type PrefectClient } from '#lib/prefect/client.ts';
import { createCsrfTokens, createSharedReads, type PrefectConnection, type SharedReads, type UpstreamCredentials } from '#lib/prefect/request.ts';
import { apiOf } from '#lib/prefect/versions.ts';
import type { Config } from './config.ts';
import { forgetVersion, prefectVersion } from './prefect-version.ts';

/** The connection to PREFECT_API_URL carrying `credentials` (a user's session, the service account, an API key). */
export function prefectConnectionOptions(cfg: Config, credentials: UpstreamCredentials, options: { fresh?: boolean } = {}): PrefectConnection {
	return {
		fresh: options.fresh,
		apiUrl: cfg.PREFECT_API_URL,
		timeoutMs: cfg.FLOWDECK_REQUEST_TIMEOUT_MS,
		readRetries: cfg.FLOWDECK_READ_RETRIES,
		busyRetryMs: cfg.FLOWDECK_REQUEST_BUSY_SECONDS * 1000,
		sharedReads: sharedReadsOf(cfg),
		csrf: csrfTokens,
		onServerFailure: () => forgetVersion(cfg.PREFECT_API_URL),
		...credentials
	};
}

/** One CSRF client id and token per connection for the whole process (a Prefect 3 server that asks for them). */
const csrfTokens = createCsrfTokens();

const sharedReadsByConfig = new WeakMap<Config, SharedReads | undefined>();

/** One cache of shared reads per process (per configuration), or none when FLOWDECK_SHARED_READS is off. */
function sharedReadsOf(cfg: Config): SharedReads | undefined {
	if (!sharedReadsByConfig.has(cfg)) {
		sharedReadsByConfig.set(cfg, cfg.FLOWDECK_SHARED_READS === 'on' ? createSharedReads({ ttlMs: cfg.FLOWDECK_SHARED_READ_MS }) : undefined);
	}
	return sharedReadsByConfig.get(cfg);
}

/**
 * `fresh`: reads never reuse an answer shared earlier (see PrefectConnection.fresh). The client speaks the API of the
 * server's version as checked per API URL (prefect-version.ts); while that is unknown it asks the server itself, so
 * a failure is the real one (unreachable, refused).
 */
export function prefectClientFor(cfg: Config, credentials: UpstreamCredentials, options: { fresh?: boolean } = {}): PrefectClient {
	const client: PrefectClient = createPrefectClient(prefectConnectionOptions(cfg, credentials, options), {
		api: async () => apiOf((await prefectVersion(client))?.version ?? (await client.serverVersion()))
	});
	return client;
}

/**
 * Whether a request wants data fresher than a shared read: a browser reload (Cache-Control: no-cache or
 * max-age=0) or a live stream (its poller must see every change as soon as Prefect has it).
 */
export function wantsFreshReads(request: Request): boolean {
	return /\b(no-cache|max-age=0)\b/i.test(request.headers.get('cache-control') ?? '') || (request.headers.get('accept') ?? '').includes('text/event-stream');
}
