import { loadFlowsTable } from '#lib/server/flows.ts';
import { pageParam } from '#lib/server/lookups.ts';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, url }) => ({ table: await loadFlowsTable(locals.prefect, pageParam(url)) });
