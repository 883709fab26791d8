import { describe, expect, it } from 'vitest';
import { cookieHeader, jarExpired, mergeCookies, parseSetCookie } from '#lib/auth/cookies.ts';

const login = new URL('http://wb.example:8080/auth/sign-in');
const api = new URL('http://wb.example:8080/api/');

describe('upstream cookie jar', () => {
	it('parses name, value, Path, Secure, Max-Age and Expires', () => {
		const cookie = parseSetCookie('wb_session=a=b/c+d; Max-Age=60; path=/; HttpOnly; SameSite=Lax; Secure', new URL('https://wb.example:8443/auth/sign-in'), 1000);
		expect(cookie).toEqual({ name: 'wb_session', value: 'a=b/c+d', domain: 'wb.example', hostOnly: true, path: '/', secure: true, expiresAt: 61_000 });
		expect(parseSetCookie('x=1; Expires=Wed, 21 Oct 2037 07:28:00 GMT', login, 0)?.expiresAt).toBe(Date.parse('2037-10-21T07:28:00Z'));
		// Max-Age wins over Expires.
		expect(parseSetCookie('x=1; Expires=Wed, 21 Oct 2037 07:28:00 GMT; Max-Age=5', login, 0)?.expiresAt).toBe(5000);
	});

	it('defaults the path to the directory of the URL that set the cookie', () => {
		expect(parseSetCookie('x=1', login, 0)?.path).toBe('/auth');
		expect(parseSetCookie('x=1', new URL('http://wb.example/login'), 0)?.path).toBe('/');
	});

	it('refuses malformed cookies and domains the server does not own', () => {
		expect(parseSetCookie('novalue', login, 0)).toBeUndefined();
		expect(parseSetCookie('=v', login, 0)).toBeUndefined();
		expect(parseSetCookie('x=1; Domain=other.example', login, 0)).toBeUndefined();
		expect(parseSetCookie('x=1; Domain=.corp.example', new URL('http://wb.corp.example/'), 0)).toMatchObject({ domain: 'corp.example', hostOnly: false });
	});

	it('follows RFC 6265bis: no public-suffix Domain, prefixes only with their attributes, no Secure from http', () => {
		expect(parseSetCookie('x=1; Domain=co.uk', new URL('http://wb.co.uk/login'), 0)).toBeUndefined();
		expect(parseSetCookie('x=1; Domain=.com', new URL('http://wb.example.com/login'), 0)).toBeUndefined();
		expect(parseSetCookie('x=1; Domain=example.co.uk', new URL('http://wb.example.co.uk/login'), 0)).toMatchObject({ domain: 'example.co.uk', hostOnly: false });
		expect(parseSetCookie('__Host-s=1; Secure; Path=/; Domain=wb.example.com', new URL('https://wb.example.com/login'), 0)).toBeUndefined();
		expect(parseSetCookie('__Host-s=1; Secure; Path=/auth', new URL('https://wb.example.com/login'), 0)).toBeUndefined();
		expect(parseSetCookie('__Host-s=1; Path=/', new URL('https://wb.example.com/login'), 0)).toBeUndefined();
		expect(parseSetCookie('__Host-s=1; Secure; Path=/', new URL('https://wb.example.com/login'), 0)).toMatchObject({ hostOnly: true, secure: true });
		expect(parseSetCookie('__Secure-s=1', new URL('https://wb.example.com/login'), 0)).toBeUndefined();
		expect(parseSetCookie('s=1; Secure', new URL('http://wb.example.com/login'), 0)).toBeUndefined();
	});

	it('accepts a Domain equal to an IP host (mod_rewrite writes one) and sends it only to that IP', () => {
		const jar = mergeCookies(new Map(), ['wc_session=s; Path=/', 'wc_node=n1; path=/api; domain=127.0.0.1'], new URL('http://127.0.0.1:8080/sso/authenticate'), 0);
		expect(cookieHeader(jar, new URL('http://127.0.0.1:8080/api/'), 0)).toBe('wc_node=n1; wc_session=s');
		expect(cookieHeader(jar, new URL('http://127.0.0.2:8080/api/'), 0)).toBeUndefined();
		expect(parseSetCookie('x=1; Domain=127.0.0.2', new URL('http://127.0.0.1/'), 0)).toBeUndefined();
	});

	it('keeps several cookies and sends those whose path covers the API URL', () => {
		const jar = mergeCookies(new Map(), ['wb_session=s1; path=/', 'wb_route=blue; Path=/api', 'admin=x; Path=/admin', 'form=y'], login, 0);
		expect(jar.size).toBe(4);
		expect(cookieHeader(jar, api, 0)).toBe('wb_route=blue; wb_session=s1');
		expect(cookieHeader(jar, new URL('http://wb.example:8080/apix/'), 0)).toBe('wb_session=s1');
		expect(cookieHeader(jar, new URL('http://other.example/api/'), 0)).toBeUndefined();
	});

	it('replaces a re-issued cookie and drops one the server deletes or lets expire', () => {
		let jar = mergeCookies(new Map(), ['wb_session=s1; path=/; Max-Age=10', 'wb_route=blue; Path=/api'], login, 0);
		jar = mergeCookies(jar, ['wb_session=s2; path=/; Max-Age=10'], api, 5000);
		expect(cookieHeader(jar, api, 14_000)).toBe('wb_route=blue; wb_session=s2');
		expect(cookieHeader(jar, api, 15_000)).toBe('wb_route=blue');
		jar = mergeCookies(jar, ['wb_route=; Path=/api; Max-Age=0'], api, 15_000);
		expect(cookieHeader(jar, api, 15_000)).toBeUndefined();
		expect(jarExpired(jar, 15_000)).toBe(true);
	});

	it('never sends a Secure cookie over http', () => {
		const jar = mergeCookies(new Map(), ['s=1; Secure; Path=/'], new URL('https://wb.example/login'), 0);
		expect(cookieHeader(jar, new URL('https://wb.example/api/'), 0)).toBe('s=1');
		expect(cookieHeader(jar, new URL('http://wb.example/api/'), 0)).toBeUndefined();
	});

	it('treats an empty jar and one whose cookies all expired as an ended session', () => {
		expect(jarExpired(new Map(), 0)).toBe(true);
		const jar = mergeCookies(new Map(), ['a=1; Max-Age=10', 'b=2'], login, 0);
		expect(jarExpired(jar, 20_000)).toBe(false); // b lives as long as the session
		expect(jarExpired(mergeCookies(new Map(), ['a=1; Max-Age=10'], login, 0), 10_000)).toBe(true);
	});
});
