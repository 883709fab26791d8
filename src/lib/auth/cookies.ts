/**
 * The upstream (workbench) cookies of one session, kept server-side: parsed from Set-Cookie with their Domain,
 * Path, Secure and Max-Age/Expires (RFC 6265), and turned back into a Cookie header for the Prefect API URL.
 */

export interface UpstreamCookie {
	name: string;
	value: string;
	/** Host the cookie was set by (host-only) or its Domain attribute (domain cookie, matches subdomains). */
	domain: string;
	hostOnly: boolean;
	path: string;
	secure: boolean;
	/** Epoch ms; undefined for a cookie that lives as long as the session. */
	expiresAt?: number;
}

/** Cookies by `name;domain;path`, the identity RFC 6265 uses to replace a cookie. */
export type CookieJar = ReadonlyMap<string, UpstreamCookie>;

const keyOf = (cookie: UpstreamCookie) => `${cookie.name};${cookie.domain};${cookie.path}`;

/** RFC 6265 5.1.4: the directory of the request path. */
function defaultPath(url: URL): string {
	const path = url.pathname;
	if (!path.startsWith('/') || path.lastIndexOf('/') === 0) return '/';
	return path.slice(0, path.lastIndexOf('/'));
}

/** One Set-Cookie header value as received from `url`; undefined when it is malformed or foreign. */
export function parseSetCookie(header: string, url: URL, now: number): UpstreamCookie | undefined {
	const [pair = '', ...attributes] = header.split(';');
	const equals = pair.indexOf('=');
	if (equals <= 0) return undefined;
	const cookie: UpstreamCookie = {
		name: pair.slice(0, equals).trim(),
		value: pair.slice(equals + 1).trim(),
		domain: url.hostname,
		hostOnly: true,
		path: defaultPath(url),
		secure: false
	};
	let maxAge: number | undefined;
	let expires: number | undefined;
	for (const attribute of attributes) {
		const [rawName = '', ...rest] = attribute.split('=');
		const name = rawName.trim().toLowerCase();
		const value = rest.join('=').trim();
		if (name === 'path' && value.startsWith('/')) cookie.path = value;
		else if (name === 'secure') cookie.secure = true;
		else if (name === 'max-age' && /^-?\d+$/.test(value)) maxAge = Number(value);
		else if (name === 'expires' && !Number.isNaN(Date.parse(value))) expires = Date.parse(value);
		else if (name === 'domain' && value) {
			const domain = value.replace(/^\./, '').toLowerCase();
			// A server may only set cookies for its own host or a parent domain of it.
			if (!domainMatches(url.hostname, domain)) return undefined;
			cookie.domain = domain;
			cookie.hostOnly = false;
		}
	}
	// Max-Age wins over Expires (RFC 6265 5.3 step 3).
	if (maxAge !== undefined) cookie.expiresAt = now + maxAge * 1000;
	else if (expires !== undefined) cookie.expiresAt = expires;
	return cookie;
}

function domainMatches(host: string, domain: string): boolean {
	return host === domain || (host.endsWith(`.${domain}`) && !/^[\d.]+$/.test(host));
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
	if (requestPath === cookiePath) return true;
	return requestPath.startsWith(cookiePath) && (cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/');
}

const isLive = (cookie: UpstreamCookie, now: number) => cookie.expiresAt === undefined || cookie.expiresAt > now;

/** The jar after a response from `url` set `setCookies`: cookies are added, replaced, or removed when expired. */
export function mergeCookies(jar: CookieJar, setCookies: readonly string[], url: URL, now: number): CookieJar {
	if (setCookies.length === 0) return jar;
	const next = new Map(jar);
	for (const header of setCookies) {
		const cookie = parseSetCookie(header, url, now);
		if (!cookie) continue;
		if (isLive(cookie, now)) next.set(keyOf(cookie), cookie);
		else next.delete(keyOf(cookie));
	}
	return next;
}

/** The Cookie header for a request to `url` (every call under the API URL's path), or undefined for none. */
export function cookieHeader(jar: CookieJar, url: URL, now: number): string | undefined {
	const requestPath = url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`;
	const sent = [...jar.values()]
		.filter((cookie) => isLive(cookie, now))
		.filter((cookie) => (cookie.hostOnly ? url.hostname === cookie.domain : domainMatches(url.hostname, cookie.domain)))
		.filter((cookie) => pathMatches(requestPath, cookie.path))
		.filter((cookie) => !cookie.secure || url.protocol === 'https:')
		// Longer paths first (RFC 6265 5.4 step 2).
		.sort((a, b) => b.path.length - a.path.length);
	return sent.length ? sent.map((cookie) => `${cookie.name}=${cookie.value}`).join('; ') : undefined;
}

/** True once every cookie of the jar has expired (or it never had one): the upstream session is over. */
export function jarExpired(jar: CookieJar, now: number): boolean {
	return ![...jar.values()].some((cookie) => isLive(cookie, now));
}
