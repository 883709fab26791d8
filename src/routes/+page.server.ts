import { loadDashboard } from '#lib/server/dashboard.ts';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => ({ dashboard: await loadDashboard(locals.prefect) });
