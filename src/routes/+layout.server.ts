import { authView } from '#lib/auth/handle.ts';
import { prefectVersion } from '#lib/server/prefect-version.ts';
import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = async ({ locals }) => {
	const version = await prefectVersion(locals.prefect);
	return { auth: authView(locals), prefectSupport: version?.support ?? null };
};
