/**
 * The workbench sign-in client: posts a username and password as a form to the login URL and keeps every cookie
 * the answer sets. Success is a 2xx or a redirect that sets at least one cookie; 401/403, or an answer without a
 * cookie, is a refused sign-in. Messages never contain the password, a cookie or the login URL's credentials.
 */
import { displayUrl } from '#lib/prefect/request.ts';
import { cookieHeader, mergeCookies, type CookieJar } from './cookies.ts';
import { formFieldValue } from './login-form.ts';

export interface WorkbenchSettings {
	loginUrl: string;
	logoutUrl?: string;
	usernameField: string;
	passwordField: string;
	/** Hidden anti-CSRF field of the login form: when set, the form is fetched first and its token posted back. */
	csrfField?: string;
	timeoutMs: number;
	fetch?: typeof fetch;
	now?: () => number;
}

export type SignInFailure =
	/** 401/403: the workbench refused these credentials. */
	| 'refused'
	/** It answered 2xx/3xx without setting a cookie: usually wrong field names or a login URL that is not the form's target. */
	| 'no-session'
	/** No connection or no answer in time. */
	| 'unreachable'
	/** Any other status (404, 5xx…), or the CSRF token could not be found. */
	| 'unexpected';

export class WorkbenchError extends Error {
	override readonly name = 'WorkbenchError';
	readonly reason: SignInFailure;
	readonly status?: number;
	constructor(reason: SignInFailure, message: string, status?: number) {
		super(message);
		this.reason = reason;
		this.status = status;
	}
}

/** What a person is told on /login for each failure (details for administrators go to npm run test:auth). */
export const signInMessages: Record<SignInFailure, string> = {
	refused: 'The workbench refused this username or password.',
	'no-session': 'The workbench answered but did not start a session. Ask an administrator to run npm run test:auth.',
	unreachable: 'The workbench cannot be reached right now. Try again in a moment.',
	unexpected: 'The workbench sign-in failed unexpectedly. Ask an administrator to run npm run test:auth.'
};

const isRedirect = (status: number) => status >= 300 && status < 400;

export function createWorkbenchClient(settings: WorkbenchSettings) {
	const doFetch = settings.fetch ?? fetch;
	const now = settings.now ?? Date.now;
	const loginUrl = new URL(settings.loginUrl);
	const where = displayUrl(settings.loginUrl);

	async function call(url: URL, init: RequestInit, what: string): Promise<Response> {
		try {
			return await doFetch(url, { ...init, redirect: 'manual', signal: AbortSignal.timeout(settings.timeoutMs) });
		} catch (error) {
			const cause = (error as { cause?: { code?: string } }).cause?.code ?? (error instanceof Error && error.name === 'TimeoutError' ? 'no answer in time' : 'connection failed');
			throw new WorkbenchError('unreachable', `${what}: the workbench at ${where} is unreachable (${cause})`);
		}
	}

	/** The login form's anti-CSRF token and the cookies that came with the form. */
	async function fetchCsrfToken(field: string): Promise<{ token: string; jar: CookieJar }> {
		const response = await call(loginUrl, { method: 'GET', headers: { accept: 'text/html' } }, 'fetching the login form');
		const html = await response.text();
		const token = formFieldValue(html, field, loginUrl.href);
		if (!response.ok || token === undefined) {
			throw new WorkbenchError('unexpected', `the login form at ${where} (${response.status}) has no field "${field}" (WORKBENCH_CSRF_FIELD)`, response.status);
		}
		return { token, jar: mergeCookies(new Map(), response.headers.getSetCookie(), loginUrl, now()) };
	}

	return {
		/** Signs in; resolves with the upstream cookies, or throws a WorkbenchError. */
		async signIn(username: string, password: string): Promise<CookieJar> {
			const form = new URLSearchParams({ [settings.usernameField]: username, [settings.passwordField]: password });
			const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html,application/json' };
			let jar: CookieJar = new Map();
			if (settings.csrfField) {
				const csrf = await fetchCsrfToken(settings.csrfField);
				form.set(settings.csrfField, csrf.token);
				jar = csrf.jar;
				const cookie = cookieHeader(jar, loginUrl, now());
				if (cookie) headers.cookie = cookie;
			}
			const response = await call(loginUrl, { method: 'POST', headers, body: form }, 'sign-in');
			await response.body?.cancel();
			const status = response.status;
			if (status === 401 || status === 403) throw new WorkbenchError('refused', `the workbench at ${where} refused the credentials (${status})`, status);
			if (!(response.ok || isRedirect(status))) throw new WorkbenchError('unexpected', `the workbench at ${where} answered the sign-in with ${status}`, status);
			const setCookies = response.headers.getSetCookie();
			if (setCookies.length === 0) {
				throw new WorkbenchError(
					'no-session',
					`the workbench at ${where} answered ${status} without setting a cookie: check WORKBENCH_LOGIN_URL (the form's target) and the field names WORKBENCH_USERNAME_FIELD=${settings.usernameField} / WORKBENCH_PASSWORD_FIELD=${settings.passwordField}`,
					status
				);
			}
			return mergeCookies(jar, setCookies, loginUrl, now());
		},

		/** Ends the upstream session at WORKBENCH_LOGOUT_URL, if configured; failures are reported, not thrown. */
		async signOut(cookie: string | undefined): Promise<string | undefined> {
			if (!settings.logoutUrl) return undefined;
			try {
				const response = await call(new URL(settings.logoutUrl), { method: 'POST', headers: cookie ? { cookie } : {} }, 'sign-out');
				await response.body?.cancel();
				return response.ok || isRedirect(response.status) ? undefined : `the workbench logout answered ${response.status}`;
			} catch (error) {
				return error instanceof Error ? error.message : 'the workbench logout failed';
			}
		}
	};
}

export type WorkbenchClient = ReturnType<typeof createWorkbenchClient>;
