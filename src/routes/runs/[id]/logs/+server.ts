import { parseLogLevel } from '#lib/server/run-detail.ts';
import { runLogStream } from '#lib/server/run-logs.ts';
import type { RequestHandler } from './$types';

/** Every log line of the run and its descendants as a text file, streamed as it is read. */
export const GET: RequestHandler = async ({ locals, params, url }) =>
	new Response(await runLogStream(locals.prefect, params.id, parseLogLevel(url.searchParams.get('level'))), {
		headers: {
			'content-type': 'text/plain; charset=utf-8',
			'content-disposition': `attachment; filename="flow-run-${params.id}.log"`,
			'cache-control': 'no-store'
		}
	});
