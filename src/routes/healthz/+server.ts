import { json } from '@sveltejs/kit';
import { serverStatus } from '#lib/server/overview.ts';
import type { RequestHandler } from './$types';

/** Liveness of Flowdeck itself (always "ok" when it answers) and reachability of Prefect. */
export const GET: RequestHandler = async ({ locals }) => {
	const prefect = await serverStatus(locals.prefect);
	return json(
		{
			status: 'ok',
			prefect: { reachable: prefect.reachable, version: prefect.version, apiUrl: prefect.apiUrl, error: prefect.error?.message ?? null }
		},
		{ headers: { 'cache-control': 'no-store' } }
	);
};
