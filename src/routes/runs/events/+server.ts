import { parseRunsQuery } from '#lib/runs/query.ts';
import { pageStream, runsSource, runsStreamKey } from '#lib/server/live/page-feed.ts';
import type { RequestHandler } from './$types';

/** Live updates of a /runs view (same query string as /runs; docs/ui.md): one shared poller per normalised view. */
export const GET: RequestHandler = (event) => {
	const query = parseRunsQuery(event.url.searchParams);
	return pageStream(runsStreamKey(query), runsSource(query), event);
};
