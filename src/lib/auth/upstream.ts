/**
 * What each mode adds to the Prefect connection (src/lib/prefect/request.ts): `headers()` per call (Cookie from the
 * upstream jar, Authorization for an API key), `onUnauthorized()` for a 401, and a `fetch` that keeps the cookies a
 * workbench re-issues on API answers (sliding sessions), so they never go anywhere but the jar.
 */
import type { UpstreamCredentials } from '#lib/prefect/request.ts';
import { cookieHeader, mergeCookies, type CookieJar } from './cookies.ts';

export const apiKeyHeaders = (apiKey: string | undefined): Record<string, string> => (apiKey ? { authorization: `Bearer ${apiKey}` } : {});

export interface JarCredentialsOptions {
	apiUrl: string;
	apiKey?: string;
	/** The cookies to send now; may sign in first (service account) or throw (session over). */
	jar: () => Promise<CookieJar>;
	/** Cookies re-issued by an API answer, merged into the current jar. */
	keep: (update: (jar: CookieJar) => CookieJar) => void;
	onUnauthorized: () => Promise<boolean>;
	now: () => number;
}

export function jarCredentials(options: JarCredentialsOptions): UpstreamCredentials {
	const apiUrl = new URL(`${options.apiUrl}/`);
	return {
		async headers() {
			const cookie = cookieHeader(await options.jar(), apiUrl, options.now());
			return { ...apiKeyHeaders(options.apiKey), ...(cookie ? { cookie } : {}) };
		},
		onUnauthorized: options.onUnauthorized,
		async fetch(input, init) {
			const response = await fetch(input, init);
			const setCookies = response.headers.getSetCookie();
			if (setCookies.length) {
				const url = new URL(input instanceof Request ? input.url : String(input));
				options.keep((jar) => mergeCookies(jar, setCookies, url, options.now()));
			}
			return response;
		}
	};
}
