import { deleteLimit, loadConcurrency, releaseLeaked, resetLimit, saveLimit } from '#lib/server/concurrency.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => {
	const { rows, globalLimits } = await loadConcurrency(locals.prefect);
	return { limits: rows, globalLimits };
};

export const actions: Actions = {
	save: async ({ locals, request }) => saveLimit(locals.prefect, await request.formData()),
	releaseLeaked: async ({ locals, request }) => releaseLeaked(locals.prefect, await request.formData()),
	reset: async ({ locals, request }) => resetLimit(locals.prefect, await request.formData()),
	delete: async ({ locals, request }) => deleteLimit(locals.prefect, await request.formData())
};
