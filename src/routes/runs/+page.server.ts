import { fail } from '@sveltejs/kit';
import { asFormFailure } from '#lib/server/form-actions.ts';
import { parseRunsQuery } from '#lib/runs/query.ts';
import { primePageStream, runsStreamKey } from '#lib/server/live/page-feed.ts';
import {
	actOnView,
	bulkVerbs,
	cancelSelected,
	confirmStep,
	countView,
	deleteRuns,
	describeCancel,
	describeDelete,
	isConfirmed,
	retrySelected,
	selectedIds,
	type BulkVerb
} from '#lib/server/run-actions.ts';
import { loadRunsPage } from '#lib/server/runs.ts';
import type { Actions, PageServerLoad } from './$types';

/** The view, kept for the live stream the page opens next (it starts from it, not from a second load). */
export const load: PageServerLoad = async ({ locals, url }) => ({
	runs: primePageStream(runsStreamKey(parseRunsQuery(url.searchParams)), await loadRunsPage(locals.prefect, url.searchParams))
});

const plural = (count: number) => `${count} run${count === 1 ? '' : 's'}`;

export const actions: Actions = {
	cancel: async ({ locals, request, url }) => {
		const form = await request.formData();
		const selection = selectedIds(form);
		if ('error' in selection) return fail(400, { message: selection.error });
		if (!isConfirmed(form)) return confirmStep(form, url, `Cancel ${plural(selection.ids.length)}?`, `Cancel ${plural(selection.ids.length)}`);
		return asFormFailure(async () => ({ message: describeCancel(await cancelSelected(locals.prefect, selection.ids)) }));
	},
	retry: async ({ locals, request }) => {
		const selection = selectedIds(await request.formData());
		if ('error' in selection) return fail(400, { message: selection.error });
		return asFormFailure(async () => ({ message: await retrySelected(locals.prefect, selection.ids) }));
	},
	delete: async ({ locals, request, url }) => {
		const form = await request.formData();
		const selection = selectedIds(form);
		if ('error' in selection) return fail(400, { message: selection.error });
		if (!isConfirmed(form)) return confirmStep(form, url, `Delete ${plural(selection.ids.length)} with their task runs and logs? This cannot be undone.`, `Delete ${plural(selection.ids.length)}`);
		return asFormFailure(async () => ({ message: describeDelete(await deleteRuns(locals.prefect, selection.ids)) }));
	},
	/** Every run matching the view in the URL (not only this page): `verb` cancel | retry | delete, always confirmed with the count. */
	view: async ({ locals, request, url }) => {
		const form = await request.formData();
		const verb = form.get('verb');
		if (typeof verb !== 'string' || !(verb in bulkVerbs)) return fail(400, { message: 'Choose what to do with the runs of this view: cancel, retry or delete.' });
		const query = parseRunsQuery(url.searchParams);
		const now = new Date();
		return asFormFailure(async () => {
			if (!isConfirmed(form)) {
				const count = await countView(locals.prefect, query, now);
				if (count === 0) return fail(400, { message: 'No runs match this view.' });
				const label = `${bulkVerbs[verb as BulkVerb]} all ${plural(count)}`;
				return confirmStep(form, url, `${label} matching this view (every page, not only the rows shown)?${verb === 'delete' ? ' This cannot be undone.' : ''}`, label);
			}
			return { message: await actOnView(locals.prefect, verb as BulkVerb, query, now) };
		});
	}
};
