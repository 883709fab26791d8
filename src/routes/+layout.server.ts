import { authView } from '#lib/auth/handle.ts';
import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = ({ locals }) => ({ auth: authView(locals) });
