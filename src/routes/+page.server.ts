import { loadOverview } from '#lib/server/overview.ts';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => ({ overview: await loadOverview(locals.prefect) });
