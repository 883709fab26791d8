import { loadTaskRunPage } from '#lib/server/task-runs.ts';
import type { PageServerLoad } from './$types';

export const load: PageServerLoad = async ({ locals, params }) => ({ page: await loadTaskRunPage(locals.prefect, params.id) });
