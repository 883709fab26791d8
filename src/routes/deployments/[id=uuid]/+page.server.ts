import { loadDeploymentPage, setSchedule, triggerDeployment } from '#lib/server/deployments.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, params, url }) => ({ page: await loadDeploymentPage(locals.prefect, params.id, url.searchParams.get('from')) });

export const actions: Actions = {
	run: async ({ locals, params, request }) => triggerDeployment(locals.prefect, params.id, await request.formData()),
	schedule: async ({ locals, params, request, url }) => setSchedule(locals.prefect, params.id, await request.formData(), url)
};
