import { json } from '@sveltejs/kit';
import { parseTaskQuery } from '#lib/runs/task-query.ts';
import { requireUuid } from '#lib/server/lookups.ts';
import { loadTaskRunsPage } from '#lib/server/task-runs.ts';
import type { RequestHandler } from './$types';

/** A page of the run's task runs for a view (`tstate`, `tname`, `tpage`), as JSON: what the run page re-reads. */
export const GET: RequestHandler = async ({ locals, params, url }) =>
	json(await loadTaskRunsPage(locals.prefect, requireUuid(params.id, 'flow run'), parseTaskQuery(url.searchParams)), { headers: { 'cache-control': 'no-store' } });
