import { loadWorkPools } from '#lib/server/work-pools.ts';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => ({ workPools: await loadWorkPools(locals.prefect) });
