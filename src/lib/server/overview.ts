/** Data of the home page and /healthz: what the live Prefect server says about itself and its work pools. */
import type { PrefectClient } from '#lib/prefect/client.ts';
import { describePrefectError, isPrefectError, type PrefectErrorView } from '#lib/prefect/errors.ts';
import { toWorkPoolView, type WorkPoolView } from '#lib/prefect/models.ts';
import { displayUrl } from '#lib/prefect/request.ts';
import type { VersionSupport } from '#lib/prefect/versions.ts';
import { rememberVersion } from './prefect-version.ts';

export interface ServerStatus {
	apiUrl: string;
	reachable: boolean;
	version: string | null;
	/** Whether Flowdeck supports that version (null when unknown). */
	support: VersionSupport | null;
	error: PrefectErrorView | null;
}

export interface Overview extends ServerStatus {
	pools: WorkPoolView[];
}

/**
 * Whether Prefect answers, as data. A refused session is data only where asked (/healthz, which anyone may call
 * without one); for a page it is the end of the viewer's session, which the auth hook turns into /login.
 */
export async function serverStatus(prefect: PrefectClient, refusal: 'throw' | 'report' = 'throw'): Promise<ServerStatus> {
	const apiUrl = displayUrl(prefect.apiUrl);
	try {
		const version = await prefect.serverVersion();
		return { apiUrl, reachable: true, version, support: rememberVersion(prefect.apiUrl, version).support, error: null };
	} catch (error) {
		if (refusal === 'throw' && isPrefectError(error, 'unauthorized')) throw error;
		return { apiUrl, reachable: false, version: null, support: null, error: viewOf(error) };
	}
}

/** Version, then pools; workers are listed per pool (Prefect 2.13 has no cross-pool worker query), in parallel. */
export async function loadOverview(prefect: PrefectClient): Promise<Overview> {
	const status = await serverStatus(prefect);
	if (!status.reachable) return { ...status, pools: [] };
	try {
		const pools = await prefect.workPools.filter();
		const workers = await Promise.all(pools.map((pool) => prefect.workPools.workers(pool.name)));
		return { ...status, pools: pools.map((pool, index) => toWorkPoolView(pool, workers[index] ?? [])) };
	} catch (error) {
		if (isPrefectError(error, 'unauthorized')) throw error;
		return { ...status, error: viewOf(error), pools: [] };
	}
}

function viewOf(error: unknown): PrefectErrorView {
	if (isPrefectError(error)) return describePrefectError(error);
	throw error;
}
