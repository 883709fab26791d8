import { loadDeploymentPage, triggerDeployment } from '#lib/server/deployments.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, params }) => ({ page: await loadDeploymentPage(locals.prefect, params.id) });

export const actions: Actions = {
	run: async ({ locals, params, request }) => triggerDeployment(locals.prefect, params.id, await request.formData())
};
