import { runLogText, parseLogLevel } from '#lib/server/run-detail.ts';
import type { RequestHandler } from './$types';

/** Every log line of the run as a text file. */
export const GET: RequestHandler = async ({ locals, params, url }) =>
	new Response(await runLogText(locals.prefect, params.id, parseLogLevel(url.searchParams.get('level'))), {
		headers: {
			'content-type': 'text/plain; charset=utf-8',
			'content-disposition': `attachment; filename="flow-run-${params.id}.log"`
		}
	});
