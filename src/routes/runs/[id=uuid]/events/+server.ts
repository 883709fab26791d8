import { liveHub } from '#lib/server/live/process-hub.ts';
import { RunFeed, takeRenderedRun } from '#lib/server/live/run-feed.ts';
import { eventStream, streamSession } from '#lib/server/live/sse.ts';
import { parseLogLevel } from '#lib/server/run-detail.ts';
import type { RequestHandler } from './$types';

/**
 * Live updates of a run (docs/live.md): one shared poller per run and log level, whatever the number of viewers.
 * `from`: the run page's token for what it just read; a poller this stream starts takes it as its first round.
 */
export const GET: RequestHandler = async ({ locals, params, request, url }) => {
	const { id } = params;
	await locals.prefect.flowRuns.get(id); // an unknown run is a 404, not a stream that never starts
	const level = parseLogLevel(url.searchParams.get('level'));
	const rendered = takeRenderedRun(url.searchParams.get('from'), id, level);
	return eventStream({
		hub: liveHub(),
		key: `run:${id}:${level}`,
		createFeed: () => new RunFeed(id, level, rendered),
		prefect: locals.prefect,
		session: streamSession(locals),
		lastEventId: request.headers.get('last-event-id')
	});
};
