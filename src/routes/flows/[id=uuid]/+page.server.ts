import { loadFlowPage } from '#lib/server/flows.ts';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, params }) => ({ page: await loadFlowPage(locals.prefect, params.id) });
