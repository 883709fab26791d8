import { fail } from '@sveltejs/kit';
import { asFormFailure } from '#lib/server/form-actions.ts';
import { applyPoolChange, loadWorkPools, parsePoolChange } from '#lib/server/work-pools.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => ({ workPools: await loadWorkPools(locals.prefect) });

export const actions: Actions = {
	/** Pause/resume or set the concurrency limit of a pool, or of one of its queues. */
	update: async ({ locals, request }) => {
		const change = parsePoolChange(await request.formData());
		if ('error' in change) return fail(400, { message: change.error });
		return asFormFailure(async () => ({ message: await applyPoolChange(locals.prefect, change) }));
	}
};
