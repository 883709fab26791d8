import { fail, redirect } from '@sveltejs/kit';
import { config } from '#lib/server/config.ts';
import { asFormFailure } from '#lib/server/form-actions.ts';
import {
	cancelRun,
	confirmStep,
	deleteRuns,
	describeCancel,
	isConfirmed,
	markRunAs,
	rerunFailedChildren,
	resumeRun,
	retryFailedChildrenInPlace,
	retryInPlace,
	runAgain
} from '#lib/server/run-actions.ts';
import { primeRunStream } from '#lib/server/live/run-feed.ts';
import { loadRunPage, parseLogLevel, resolveParts } from '#lib/server/run-detail.ts';
import { WHOLE_PAGE } from '#lib/runs/run-page.ts';
import { parseTaskQuery } from '#lib/runs/task-query.ts';
import type { Actions, PageServerLoad } from './$types';

/**
 * The header is read first; the tree, task runs, logs, artifacts and stale runs follow as streamed parts. A form
 * action's answer and a browser without JavaScript (`?whole`: the page's <noscript> sends it there) get it whole.
 */
export const load: PageServerLoad = async ({ locals, params, request, url }) => {
	const level = parseLogLevel(url.searchParams.get('level'));
	const { header, parts, read } = await loadRunPage(locals.prefect, params.id, {
		level,
		taskQuery: parseTaskQuery(url.searchParams),
		staleAfterMs: config().FLOWDECK_STALE_AFTER_SECONDS * 1000
	});
	if (request.method !== 'GET' || url.searchParams.has(WHOLE_PAGE)) return { ...header, parts: await resolveParts(parts), streamFrom: null };
	return { ...header, parts, streamFrom: primeRunStream(params.id, level, read) };
};

/** An action's outcome: a message, or a refusal (409) with its reason. */
const outcome = (result: { message: string } | { error: string }) => ('error' in result ? fail(409, { message: result.error }) : result);

export const actions: Actions = {
	cancel: async ({ locals, params, request, url }) => {
		const form = await request.formData();
		const descendants = form.get('descendants') === 'yes';
		if (!isConfirmed(form)) return confirmStep(form, url, `Cancel this run${descendants ? ' and every subflow run below it' : ''}?`, 'Cancel run');
		return asFormFailure(async () => ({ message: describeCancel(await cancelRun(locals.prefect, params.id, descendants)) }));
	},
	markAs: async ({ locals, params, request }) => markRunAs(locals.prefect, params.id, await request.formData()),
	rerun: async ({ locals, params }) => {
		const result = await asFormFailure(() => runAgain(locals.prefect, params.id));
		if ('error' in result) return fail(409, { message: result.error });
		if ('id' in result) redirect(303, `/runs/${result.id}`);
		return result;
	},
	rerunFailed: async ({ locals, params }) =>
		asFormFailure(async () => {
			const { created } = await rerunFailedChildren(locals.prefect, params.id);
			return { message: created.length ? `Started ${created.length} new run${created.length === 1 ? '' : 's'} of the failed children:` : 'No failed children to re-run.', created };
		}),
	retry: async ({ locals, params }) => asFormFailure(async () => outcome(await retryInPlace(locals.prefect, params.id))),
	retryFailed: async ({ locals, params }) => asFormFailure(() => retryFailedChildrenInPlace(locals.prefect, params.id)),
	resume: async ({ locals, params }) => asFormFailure(async () => outcome(await resumeRun(locals.prefect, params.id))),
	delete: async ({ locals, params, request, url }) => {
		const form = await request.formData();
		if (!isConfirmed(form)) return confirmStep(form, url, 'Delete this run with its task runs, states and logs? This cannot be undone.', 'Delete run');
		const result = await asFormFailure(() => deleteRuns(locals.prefect, [params.id]));
		if ('deleted' in result) redirect(303, '/runs');
		return result;
	}
};
