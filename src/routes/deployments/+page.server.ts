import { loadDeployments } from '#lib/server/deployments.ts';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals }) => ({ deployments: await loadDeployments(locals.prefect) });
