import { json } from '@sveltejs/kit';
import { parseLogLevel } from '#lib/server/run-detail.ts';
import { countRunLogs } from '#lib/server/run-logs.ts';
import type { RequestHandler } from './$types';

/** How many log lines the run and its descendants have (at the level): `{ lines }`. */
export const GET: RequestHandler = async ({ locals, params, url }) =>
	json({ lines: await countRunLogs(locals.prefect, params.id, parseLogLevel(url.searchParams.get('level'))) }, { headers: { 'cache-control': 'no-store' } });
