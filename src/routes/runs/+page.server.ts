import { fail } from '@sveltejs/kit';
import { asFormFailure } from '#lib/server/form-actions.ts';
import { cancelSelected, describeCancel, selectedIds } from '#lib/server/run-actions.ts';
import { parseRunsQuery } from '#lib/runs/query.ts';
import { primePageStream, runsStreamKey } from '#lib/server/live/page-feed.ts';
import { loadRunsPage } from '#lib/server/runs.ts';
import type { Actions, PageServerLoad } from './$types';

/** The view, kept for the live stream the page opens next (it starts from it, not from a second load). */
export const load: PageServerLoad = async ({ locals, url }) => ({
	runs: primePageStream(runsStreamKey(parseRunsQuery(url.searchParams)), await loadRunsPage(locals.prefect, url.searchParams))
});

export const actions: Actions = {
	cancel: async ({ locals, request }) => {
		const selection = selectedIds(await request.formData());
		if ('error' in selection) return fail(400, { message: selection.error });
		return asFormFailure(async () => ({ message: describeCancel(await cancelSelected(locals.prefect, selection.ids)) }));
	}
};
