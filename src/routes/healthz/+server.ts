import { json } from '@sveltejs/kit';
import { authSummary } from '#lib/auth/mode.ts';
import { SUPPORTED_PREFECT_RANGE } from '#lib/prefect/versions.ts';
import { serverStatus } from '#lib/server/overview.ts';
import type { RequestHandler } from './$types';

/** Liveness of Flowdeck itself (always "ok" when it answers), its auth mode (never a secret) and reachability of Prefect. */
export const GET: RequestHandler = async ({ locals }) => {
	const prefect = await serverStatus(locals.prefect, 'report');
	return json(
		{
			status: 'ok',
			auth: authSummary(locals.auth.mode),
			prefect: {
				reachable: prefect.reachable,
				version: prefect.version,
				supportedVersions: SUPPORTED_PREFECT_RANGE,
				support: prefect.support?.level ?? null,
				apiUrl: prefect.apiUrl,
				error: prefect.error?.message ?? prefect.support?.message ?? null
			}
		},
		{ headers: { 'cache-control': 'no-store' } }
	);
};
