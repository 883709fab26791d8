import { fail, redirect } from '@sveltejs/kit';
import { asFormFailure } from '#lib/server/form-actions.ts';
import { cancelRun, describeCancel, rerunFailedChildren, runAgain } from '#lib/server/run-actions.ts';
import { loadRunDetail, parseLogLevel } from '#lib/server/run-detail.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, params, url }) => ({
	detail: await loadRunDetail(locals.prefect, params.id, parseLogLevel(url.searchParams.get('level')))
});

export const actions: Actions = {
	cancel: async ({ locals, params, request }) => {
		const descendants = (await request.formData()).get('descendants') === 'yes';
		return asFormFailure(async () => ({ message: describeCancel(await cancelRun(locals.prefect, params.id, descendants)) }));
	},
	rerun: async ({ locals, params }) => {
		const result = await asFormFailure(() => runAgain(locals.prefect, params.id));
		if ('error' in result) return fail(409, { message: result.error });
		if ('id' in result) redirect(303, `/runs/${result.id}`);
		return result;
	},
	rerunFailed: async ({ locals, params }) =>
		asFormFailure(async () => {
			const { created } = await rerunFailedChildren(locals.prefect, params.id);
			return { message: created.length ? `Started ${created.length} new run${created.length === 1 ? '' : 's'} of the failed children.` : 'No failed children to re-run.', created };
		})
};
