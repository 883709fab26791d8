import { loadFlowsTable } from '#lib/server/flows.ts';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => ({ table: await loadFlowsTable(locals.prefect) });
