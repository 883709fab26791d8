/**
 * The upstream (workbench) cookies of one session, kept server-side as plain data (a session store can hold them)
 * and turned back into a Cookie header for the Prefect API URL. Each Set-Cookie is parsed and vetted by
 * tough-cookie, a maintained RFC 6265bis jar: no Domain that is a public suffix (`Domain=co.uk`) or that the
 * server does not belong to, `__Host-`/`__Secure-` prefixes only with their required attributes, no Secure cookie
 * from plain http. Expiry is kept as an absolute time (tough-cookie counts Max-Age from the last use).
 */
import { CookieJar as ToughCookieJar, domainMatch, pathMatch } from 'tough-cookie';

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

const rules = { rejectPublicSuffixes: true, prefixSecurity: 'strict', allowSpecialUseDomain: true } as const;

/** One Set-Cookie header value as received from `url`; undefined when it is malformed or refused by RFC 6265bis. */
export function parseSetCookie(header: string, url: URL, now: number): UpstreamCookie | undefined {
	let cookie;
	try {
		// A scratch jar applies every storage rule to this one cookie; ours keeps the result.
		cookie = new ToughCookieJar(undefined, rules).setCookieSync(header, url.href, { now: new Date(now), ignoreError: false });
	} catch {
		return undefined;
	}
	if (!cookie?.key || !cookie.domain || !cookie.path) return undefined;
	const expiry = cookie.expiryTime(new Date(now));
	return {
		name: cookie.key,
		value: cookie.value,
		domain: cookie.domain,
		hostOnly: cookie.hostOnly ?? true,
		path: cookie.path,
		secure: cookie.secure,
		// Max-Age=0 or a past Expires: already expired (it deletes the cookie).
		...(expiry === undefined || expiry === Infinity ? {} : { expiresAt: Number.isFinite(expiry) ? expiry : now })
	};
}

const sendsTo = (cookie: UpstreamCookie, url: URL) =>
	(cookie.hostOnly ? url.hostname === cookie.domain : domainMatch(url.hostname, cookie.domain, true) === true) &&
	pathMatch(url.pathname.endsWith('/') ? url.pathname : `${url.pathname}/`, cookie.path) &&
	(!cookie.secure || url.protocol === 'https:');

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
	const sent = [...jar.values()]
		.filter((cookie) => isLive(cookie, now) && sendsTo(cookie, url))
		// Longer paths first (RFC 6265 5.4 step 2); the jar keeps insertion order, so older ones first among equals.
		.sort((a, b) => b.path.length - a.path.length);
	return sent.length ? sent.map((cookie) => `${cookie.name}=${cookie.value}`).join('; ') : undefined;
}

/** True once every cookie of the jar has expired (or it never had one): the upstream session is over. */
export function jarExpired(jar: CookieJar, now: number): boolean {
	return ![...jar.values()].some((cookie) => isLive(cookie, now));
}
