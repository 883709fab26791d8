/**
 * SvelteKit side of authentication: the session cookie, the `handle` step that resumes the session and gives
 * each request a Prefect client with its upstream credentials, the guard that sends people without a session to
 * /login, and the sign-in/sign-out form actions.
 */
import { fail, json, redirect, type RequestEvent } from '@sveltejs/kit';
import type { Handle } from '@sveltejs/kit/hooks';
import { prefectClientFor, wantsFreshReads } from '#lib/server/prefect.ts';
import { auth, endingOf, endSession, sessionCredentials, sessionEnded, sessionEndMessages, sharedCredentials, signIn, signOut, type Auth, type SessionEnd } from './auth.ts';
import { describeAuthMode, requiresSignIn, type AuthMode } from './mode.ts';
import { loginLocation, safeNext } from './next-url.ts';
import type { Session } from './session-store.ts';

/** What a request knows about its user (event.locals.auth). */
export interface RequestAuth {
	mode: AuthMode;
	session: Session | null;
	/** Set when this request found its session over: Flowdeck's own, or the workbench one (401 or expired cookies). */
	ended: SessionEnd | null;
	/** Checks the session still holds without asking upstream (live streams call it at every tick). */
	check: () => Promise<SessionEnd | null>;
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

export const handleAuth: Handle = async ({ event, resolve }) => {
	const current = auth();
	const cookie = sessionCookie(current, event.url);
	const id = event.cookies.get(cookie.name);
	const session = id && requiresSignIn(current.mode) ? ((await current.sessions.resume(id)) ?? null) : null;
	if (id && !session) event.cookies.delete(cookie.name, cookie.options);

	const state: RequestAuth = {
		mode: current.mode,
		session,
		ended: null,
		check: async () => null
	};
	event.locals.auth = state;
	const onEnded = async (end: SessionEnd) => {
		if (state.ended || !session) return;
		state.ended = end;
		await endSession(current, session.id, end);
	};
	if (session) {
		state.check = async () => {
			const end = state.ended ?? (await sessionEnded(current, session));
			if (end) await onEnded(end);
			return end;
		};
	}
	event.locals.prefect = prefectClientFor(current.cfg, session ? sessionCredentials(current, session, onEnded) : sharedCredentials(current), { fresh: wantsFreshReads(event.request) });

	const guarded = requiresSignIn(current.mode) && !publicPaths.has(event.url.pathname);
	// A session cookie the store no longer knows: it ended (the workbench's, or Flowdeck's own: timeout, signed out elsewhere).
	if (guarded && !session) return refuse(event, id ? endingOf(current, id) : undefined);
	const response = await resolve(event);
	if (guarded && state.ended && !response.headers.get('content-type')?.startsWith('text/event-stream')) {
		// The response is already generated (cookies.delete is over): clear the cookie on the answer itself.
		const clear = `${cookie.name}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax${cookie.options.secure ? '; Secure' : ''}`;
		if (opensStream(event)) return streamRefused(state.ended, { 'set-cookie': clear });
		return new Response(null, {
			status: 303,
			headers: {
				location: loginLocation(returnPath(event), state.ended),
				'set-cookie': clear
			}
		});
	}
	return response;
};

/** An EventSource asks for text/event-stream: it must get a 401 it can report, never a redirect to an HTML page. */
const opensStream = (event: RequestEvent) => (event.request.headers.get('accept') ?? '').includes('text/event-stream');

function streamRefused(end: SessionEnd | undefined, headers: Record<string, string> = {}): Response {
	const message = end ? sessionEndMessages[end] : 'sign in first: this Flowdeck requires a workbench session';
	return json({ message, ended: end ?? null }, { status: 401, headers });
}

/** The page to come back to after signing in: a form post's page, not its action. */
const returnPath = (event: RequestEvent) => (event.request.method === 'GET' ? `${event.url.pathname}${event.url.search}` : event.url.pathname);

function refuse(event: RequestEvent, end?: SessionEnd): Response {
	if (opensStream(event)) return streamRefused(end);
	const accept = event.request.headers.get('accept') ?? '';
	const contentType = event.request.headers.get('content-type') ?? '';
	const browsing = event.isDataRequest || accept.includes('text/html') || /^(application\/x-www-form-urlencoded|multipart\/form-data)/.test(contentType);
	if (browsing) redirect(303, loginLocation(returnPath(event), end));
	return json(
		{
			message: 'Sign in first: this Flowdeck requires a workbench session (/login).'
		},
		{ status: 401 }
	);
}

/** The layout's view of authentication: the mode and who is signed in (never anything upstream). */
export function authView(locals: App.Locals) {
	return {
		mode: describeAuthMode(locals.auth.mode),
		user: locals.auth.session?.username ?? null
	};
}

/** /login's load: only in per-user mode, and only for people not signed in yet. */
export function loginPage(locals: App.Locals, url: URL) {
	const current = auth();
	if (!requiresSignIn(locals.auth.mode)) redirect(303, '/');
	const next = safeNext(url.searchParams.get('next'));
	if (locals.auth.session) redirect(303, next);
	const expired = url.searchParams.get('expired');
	const notice =
		expired === 'flowdeck'
			? `Your Flowdeck session ended (signed out, or no activity for ${current.cfg.FLOWDECK_SESSION_IDLE_MINUTES} minutes). Sign in again to continue.`
			: expired !== null
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
	if (!username || !password)
		return fail(400, {
			message: 'Enter your workbench username and password.',
			username,
			next
		});
	if (username.length > MAX_FIELD || password.length > MAX_FIELD)
		return fail(400, {
			message: 'The username or password is too long.',
			username: '',
			next
		});

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
