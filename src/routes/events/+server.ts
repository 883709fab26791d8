import { DASHBOARD_STREAM_KEY, dashboardSource, pageStream } from '#lib/server/live/page-feed.ts';
import type { RequestHandler } from './$types';

/** Live updates of the dashboard (docs/ui.md): one shared poller re-running the dashboard's loader for every viewer. */
export const GET: RequestHandler = (event) => pageStream(DASHBOARD_STREAM_KEY, dashboardSource, event);
