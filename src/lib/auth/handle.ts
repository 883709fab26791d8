/**
 * SvelteKit side of authentication: the session cookie, the two `handle` steps (resumeSession gives each request
 * its session and a Prefect client with its upstream credentials; guard sends people without a session to
 * /login), and the sign-in/sign-out form actions.
 */
import { fail, json, redirect, type RequestEvent } from '@sveltejs/kit';
import type { Handle } from '@sveltejs/kit/hooks';
import { prefectClientFor } from '#lib/server/prefect.ts';
import { auth, sessionCredentials, sharedCredentials, signIn, signOut, type Auth } from './auth.ts';
import { describeAuthMode, requiresSignIn, type AuthMode } from './mode.ts';
import { loginLocation, safeNext } from './next-url.ts';
import type { Session } from './session-store.ts';

/** What a request knows about its user (event.locals.auth). */
export interface RequestAuth {
	mode: AuthMode;
	session: Session | null;
	/** Set when upstream ended this request's workbench session (401 or expired cookies). */
	expired: boolean;
}

/** Paths reachable without a session in per-user mode. */
const publicPaths = new Set(['/login', '/healthz']);

export function sessionCookie(auth: Auth, url: URL) {
	const secure = auth.cfg.FLOWDECK_COOKIE_SECURE === 'always' || (auth.cfg.FLOWDECK_COOKIE_SECURE === 'auto' && url.protocol === 'https:');
	return {
		// __Host-: the browser only accepts it with Secure, Path=/ and no Domain, so no subdomain can plant or read it.
		name: secure ? '__Host-flowdeck-session' : 'flowdeck-session',
		options: { path: '/', httpOnly: true, sameSite: 'lax', secure } as const
	};
}

/** Resumes the request's session (dropping a cookie that names none) and sets locals.auth and locals.prefect. */
export const resumeSession: Handle = async ({ event, resolve }) => {
	const current = auth();
	const cookie = sessionCookie(current, event.url);
	const id = event.cookies.get(cookie.name);
	const session = id && requiresSignIn(current.mode) ? ((await current.sessions.resume(id)) ?? null) : null;
	if (id && !session) event.cookies.delete(cookie.name, cookie.options);

	const state: RequestAuth = { mode: current.mode, session, expired: false };
	event.locals.auth = state;
	const onExpired = async () => {
		if (state.expired || !session) return;
		state.expired = true;
		await current.sessions.destroy(session.id);
	};
	event.locals.prefect = prefectClientFor(current.cfg, session ? sessionCredentials(current, session, onExpired) : sharedCredentials(current));
	return resolve(event);
};

/**
 * In per-user mode, only /login and /healthz answer without a session; a request during which upstream ended the
 * session goes to /login (a live stream tells its page itself, with `auth-expired`).
 */
export const guard: Handle = async ({ event, resolve }) => {
	const guarded = requiresSignIn(event.locals.auth.mode) && !publicPaths.has(event.url.pathname);
	if (guarded && !event.locals.auth.session) return refuse(event);
	const response = await resolve(event);
	if (guarded && event.locals.auth.expired && !response.headers.get('content-type')?.startsWith('text/event-stream')) {
		// The response is already generated (cookies.delete is over): clear the cookie on the redirect itself.
		const cookie = sessionCookie(auth(), event.url);
		return new Response(null, {
			status: 303,
			headers: { location: loginLocation(returnPath(event), true), 'set-cookie': event.cookies.serialize(cookie.name, '', { ...cookie.options, maxAge: 0 }) }
		});
	}
	return response;
};

/** The page to come back to after signing in: a form post's page, not its action. */
const returnPath = (event: RequestEvent) => (event.request.method === 'GET' ? `${event.url.pathname}${event.url.search}` : event.url.pathname);

function refuse(event: RequestEvent): Response {
	const accept = event.request.headers.get('accept') ?? '';
	const contentType = event.request.headers.get('content-type') ?? '';
	const browsing = event.isDataRequest || accept.includes('text/html') || /^(application\/x-www-form-urlencoded|multipart\/form-data)/.test(contentType);
	if (browsing) redirect(303, loginLocation(returnPath(event)));
	return json({ message: 'Sign in first: this Flowdeck requires a workbench session (/login).' }, { status: 401 });
}

/** The layout's view of authentication: the mode and who is signed in (never anything upstream). */
export function authView(locals: App.Locals) {
	return { mode: describeAuthMode(locals.auth.mode), user: locals.auth.session?.username ?? null };
}

/** /login's load: only in per-user mode, and only for people not signed in yet. */
export function loginPage(locals: App.Locals, url: URL) {
	if (!requiresSignIn(locals.auth.mode)) redirect(303, '/');
	const next = safeNext(url.searchParams.get('next'));
	if (locals.auth.session) redirect(303, next);
	const notice = url.searchParams.has('expired')
		? 'Your workbench session expired. Sign in again to continue.'
		: url.searchParams.has('signed-out')
			? 'You have signed out.'
			: null;
	return { next, notice };
}

const MAX_FIELD = 1024;

/** The sign-in form action: a new session (and cookie) on success, fail(status, { message }) otherwise. */
export async function signInAction(event: RequestEvent) {
	const current = auth();
	if (!requiresSignIn(current.mode)) redirect(303, '/');
	const form = await event.request.formData();
	const username = String(form.get('username') ?? '').trim();
	const password = String(form.get('password') ?? '');
	const next = safeNext(form.get('next'));
	// A failed attempt re-renders the form at /login?/signIn: it carries `next` on to the next attempt.
	if (!username || !password) return fail(400, { message: 'Enter your workbench username and password.', username, next });
	if (username.length > MAX_FIELD || password.length > MAX_FIELD) return fail(400, { message: 'The username or password is too long.', username: '', next });

	const result = await signIn(current, username, password, event.getClientAddress());
	if (!result.ok) {
		if (result.retryAfterSeconds) event.setHeaders({ 'retry-after': String(result.retryAfterSeconds) });
		return fail(result.status, { message: result.message, username, next });
	}
	// No fixation: whatever session the browser came with ends; the new id is always fresh.
	if (event.locals.auth.session) await current.sessions.destroy(event.locals.auth.session.id);
	const cookie = sessionCookie(current, event.url);
	event.cookies.set(cookie.name, result.session.id, cookie.options);
	redirect(303, next);
}

/** The sign-out form action (POST only): ends the Flowdeck session and the workbench one. */
export async function signOutAction(event: RequestEvent) {
	const current = auth();
	if (event.locals.auth.session) await signOut(current, event.locals.auth.session);
	const cookie = sessionCookie(current, event.url);
	event.cookies.delete(cookie.name, cookie.options);
	redirect(303, requiresSignIn(current.mode) ? '/login?signed-out' : '/');
}
