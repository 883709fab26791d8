import { loadDeployments } from '#lib/server/deployments.ts';
import { pageParam } from '#lib/server/lookups.ts';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, url }) => ({ deployments: await loadDeployments(locals.prefect, pageParam(url)) });
