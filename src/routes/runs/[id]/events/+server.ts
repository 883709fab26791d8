import { liveHub } from '#lib/server/live/index.ts';
import { RunFeed } from '#lib/server/live/run-feed.ts';
import { eventStream, streamSession } from '#lib/server/live/sse.ts';
import { requireUuid } from '#lib/server/lookups.ts';
import { parseLogLevel } from '#lib/server/run-detail.ts';
import type { RequestHandler } from './$types';

/** Live updates of a run (docs/live.md): one shared poller per run and log level, whatever the number of viewers. */
export const GET: RequestHandler = async ({ locals, params, request, url }) => {
	const id = requireUuid(params.id, 'flow run');
	await locals.prefect.flowRuns.get(id); // an unknown run is a 404, not a stream that never starts
	const level = parseLogLevel(url.searchParams.get('level'));
	return eventStream({
		hub: liveHub(),
		key: `run:${id}:${level}`,
		createFeed: () => new RunFeed(id, level),
		prefect: locals.prefect,
		session: streamSession(locals),
		lastEventId: request.headers.get('last-event-id')
	});
};
