import { loadDashboard } from '#lib/server/dashboard.ts';
import { DASHBOARD_STREAM_KEY, primePageStream } from '#lib/server/live/page-feed.ts';
import type { PageServerLoad } from './$types';

/** The dashboard, kept for the live stream the page opens next (it starts from it, not from a second load). */
export const load: PageServerLoad = async ({ locals }) => ({ dashboard: primePageStream(DASHBOARD_STREAM_KEY, await loadDashboard(locals.prefect)) });
