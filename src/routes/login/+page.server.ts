import { loginPage, signInAction, signOutAction } from '#lib/auth/handle.ts';
import type { Actions, PageServerLoad } from './$types';

export const load: PageServerLoad = ({ locals, url }) => loginPage(locals, url);

export const actions: Actions = { signIn: signInAction, signOut: signOutAction };
