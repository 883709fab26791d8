/**
 * The connected Prefect server's version and whether Flowdeck supports it, checked at first contact and kept per
 * API URL for a minute, and checked again after a call failed in a way another server could explain (forgetVersion);
 * a failed check is retried on the next request after a few seconds, so a server that comes back (or is replaced by
 * another version) is seen again.
 */
import type { PrefectClient } from '#lib/prefect/client.ts';
import { versionSupport, type VersionSupport } from '#lib/prefect/versions.ts';

export interface PrefectVersionCheck {
	version: string;
	support: VersionSupport;
}

const FRESH_MS = 60_000;
const RETRY_FAILED_MS = 5_000;
const checks = new Map<string, { at: number; result: PrefectVersionCheck | null; pending?: Promise<PrefectVersionCheck | null> }>();

/**
 * After an upstream failure (unreachable, a 5xx, an unexpected answer): the next call checks the version again (in
 * the background; the last known one serves meanwhile), so a server replaced by another version is spoken to in its
 * own API from then on.
 */
export function forgetVersion(apiUrl: string): void {
	const known = checks.get(apiUrl);
	if (known?.result && !known.pending) checks.set(apiUrl, { ...known, at: 0 });
}

/** Records a version read elsewhere (the dashboard and /healthz read it anyway). */
export function rememberVersion(apiUrl: string, version: string): PrefectVersionCheck {
	const result = { version, support: versionSupport(version) };
	checks.set(apiUrl, { at: Date.now(), result });
	return result;
}

/**
 * The last known check. Only first contact (or a retry after a failed check) waits for Prefect; a stale result is
 * returned at once and refreshed in the background. Errors (unreachable, a session that must sign in) leave it unknown.
 */
export async function prefectVersion(prefect: PrefectClient): Promise<PrefectVersionCheck | null> {
	const known = checks.get(prefect.apiUrl);
	if (known?.pending) return known.result ?? known.pending;
	if (known && Date.now() - known.at < (known.result ? FRESH_MS : RETRY_FAILED_MS)) return known.result;
	const pending = prefect.serverVersion().then(
		(version) => rememberVersion(prefect.apiUrl, version),
		() => {
			checks.set(prefect.apiUrl, { at: Date.now(), result: null });
			return null;
		}
	);
	checks.set(prefect.apiUrl, { at: known?.at ?? 0, result: known?.result ?? null, pending });
	return known?.result ?? pending;
}
