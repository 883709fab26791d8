/**
 * What each mode adds to the Prefect connection (src/lib/prefect/request.ts): `headers()` per call (Authorization
 * for an API key; it also signs in or checks the session first) and a `fetch` that sends the upstream cookies.
 * That fetch knows which generation of cookies each call carried, so:
 * - cookies a workbench re-issues (sliding sessions) are kept only from answers that mean the session is valid
 *   (not a 401, not a redirect to its login page, whose fresh anonymous cookie would overwrite the real one),
 *   and only while those cookies are still the current generation;
 * - a call refused because its session expired asks the source to renew it (one sign-in for all, see
 *   service-account.ts) and is sent once more with the new cookies.
 */
import type { UpstreamCredentials } from '#lib/prefect/request.ts';
import type { Config } from '#lib/server/config.ts';
import { cookieHeader, mergeCookies, type CookieJar } from './cookies.ts';
import { keySchemeOf } from './mode.ts';

/** The settings that put a key on every call. */
export type KeySettings = Pick<Config, 'PREFECT_API_KEY' | 'PREFECT_API_AUTH_STRING'>;

/** Authorization for the key settings: Basic for PREFECT_API_AUTH_STRING (it wins, as in Prefect's client), else Bearer. */
export function apiKeyHeaders(keys: KeySettings): Record<string, string> {
	switch (keySchemeOf(keys)) {
		case 'basic':
			return { authorization: `Basic ${Buffer.from(keys.PREFECT_API_AUTH_STRING!, 'utf8').toString('base64')}` };
		case 'bearer':
			return { authorization: `Bearer ${keys.PREFECT_API_KEY}` };
		case null:
			return {};
	}
}

/** The cookies of one upstream session, numbered by generation (a new sign-in is a new generation). */
export interface CookieSource {
	/** The cookies to send now; may sign in first (service account) or throw a PrefectError (session over). */
	current(): Promise<{ jar: CookieJar; generation: number }>;
	/** Cookies re-issued by a valid answer to a call that carried `generation`; ignored once that generation is past. */
	keep(generation: number, update: (jar: CookieJar) => CookieJar): void;
	/** A call with `generation` was refused: true to send it again with the current cookies (renewed), false to fail. */
	renew(generation: number): Promise<boolean>;
}

export interface JarCredentialsOptions {
	apiUrl: string;
	/** An API key or auth string sent with the cookies (a gateway that wants both). */
	keys?: KeySettings;
	cookies: CookieSource;
	now: () => number;
}

/**
 * A workbench refusing a session: 401, or a redirect (to its login page). Not 403: a gateway answers that to a
 * valid session that lacks something else (an API key), which a new sign-in would not fix.
 */
export const refusesSession = (status: number): boolean => status === 401 || (status >= 300 && status < 400);

export function jarCredentials(options: JarCredentialsOptions): UpstreamCredentials {
	const apiUrl = new URL(`${options.apiUrl}/`);
	return {
		async headers() {
			// Signs in (or finds the session over) before the call starts, so that failure is not a network error.
			await options.cookies.current();
			return options.keys ? apiKeyHeaders(options.keys) : {};
		},
		async fetch(input, init) {
			const original = new Request(input, init);
			for (let attempt = 1; ; attempt++) {
				const { jar, generation } = await options.cookies.current();
				const request = original.clone();
				const cookie = cookieHeader(jar, apiUrl, options.now());
				if (cookie) request.headers.set('cookie', cookie);
				else request.headers.delete('cookie');
				const response = await fetch(request);
				if (refusesSession(response.status)) {
					if (attempt === 1 && (await options.cookies.renew(generation))) {
						await response.body?.cancel();
						continue;
					}
					return response;
				}
				const setCookies = response.headers.getSetCookie();
				if (setCookies.length) options.cookies.keep(generation, (current) => mergeCookies(current, setCookies, new URL(request.url), options.now()));
				return response;
			}
		}
	};
}
