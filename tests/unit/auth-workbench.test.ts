/**
 * The workbench sign-in client and the service account, for what the test gateway (Apache) won't do on demand:
 * a CSRF token on the login form, an unreachable or broken workbench, and precisely interleaved 401s.
 */
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { cookieHeader, type CookieJar } from '#lib/auth/cookies.ts';
import { createServiceAccount } from '#lib/auth/service-account.ts';
import { checkLoginForm, formFieldValue, loginForms } from '#lib/auth/login-form.ts';
import { createWorkbenchClient, WorkbenchError } from '#lib/auth/workbench.ts';
import { PrefectError } from '#lib/prefect/errors.ts';

const LOGIN = 'http://wb.test/sso/login';
const server = setupServer();
beforeAll(() => server.listen({ onUnhandledFrame: 'error' } as never));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const client = (extra: { csrfField?: string } = {}) =>
	createWorkbenchClient({ loginUrl: LOGIN, logoutUrl: 'http://wb.test/sso/logout', usernameField: 'login', passwordField: 'secret', timeoutMs: 500, ...extra });

async function failure(promise: Promise<unknown>): Promise<WorkbenchError> {
	const error = await promise.then(
		() => undefined,
		(caught: unknown) => caught
	);
	expect(error).toBeInstanceOf(WorkbenchError);
	return error as WorkbenchError;
}

describe('workbench sign-in client', () => {
	it('posts the configured fields and keeps every cookie of a redirect', async () => {
		let form: URLSearchParams | undefined;
		server.use(
			http.post(LOGIN, async ({ request }) => {
				form = new URLSearchParams(await request.text());
				const headers = new Headers({ location: '/home' });
				headers.append('set-cookie', 'sid=abc; Path=/; HttpOnly');
				headers.append('set-cookie', 'route=r1; Path=/api; Max-Age=600');
				return new HttpResponse(null, { status: 302, headers });
			})
		);
		const jar = await client().signIn('alice', 'pw&=1');
		expect(Object.fromEntries(form!)).toEqual({ login: 'alice', secret: 'pw&=1' });
		expect(cookieHeader(jar, new URL('http://wb.test/api/'), Date.now())).toBe('route=r1; sid=abc');
	});

	it('fetches the login form first and posts its CSRF token back with the form cookie', async () => {
		let posted: { token: string | null; cookie: string | null } | undefined;
		server.use(
			http.get(
				LOGIN,
				() =>
					new HttpResponse(`<form method="post"><input type="hidden" value="t&amp;42" name="_csrf"><input name="login"></form>`, {
						headers: { 'content-type': 'text/html', 'set-cookie': 'csrf_cookie=c1; Path=/sso' }
					})
			),
			http.post(LOGIN, async ({ request }) => {
				posted = { token: new URLSearchParams(await request.text()).get('_csrf'), cookie: request.headers.get('cookie') };
				return new HttpResponse('ok', { headers: { 'set-cookie': 'sid=abc; Path=/' } });
			})
		);
		const jar = await client({ csrfField: '_csrf' }).signIn('alice', 'pw');
		expect(posted).toEqual({ token: 't&42', cookie: 'csrf_cookie=c1' });
		expect(cookieHeader(jar, new URL('http://wb.test/api/'), Date.now())).toBe('sid=abc');
	});

	it('says when the CSRF field is missing from the form', async () => {
		server.use(http.get(LOGIN, () => HttpResponse.text('<form></form>')));
		const error = await failure(client({ csrfField: '_csrf' }).signIn('alice', 'pw'));
		expect(error.reason).toBe('unexpected');
		expect(error.message).toContain('WORKBENCH_CSRF_FIELD');
	});

	it.each([
		[401, 'refused'],
		[403, 'refused'],
		[404, 'unexpected'],
		[500, 'unexpected']
	] as const)('maps %i to %s, without echoing the password', async (status, reason) => {
		server.use(http.post(LOGIN, () => new HttpResponse('no', { status })));
		const error = await failure(client().signIn('alice', 'hunter2'));
		expect(error.reason).toBe(reason);
		expect(error.message).not.toContain('hunter2');
	});

	it('treats an answer without a cookie as a failed sign-in and names the field settings', async () => {
		server.use(http.post(LOGIN, () => HttpResponse.text('please log in')));
		const error = await failure(client().signIn('alice', 'pw'));
		expect(error.reason).toBe('no-session');
		expect(error.message).toContain('WORKBENCH_USERNAME_FIELD=login');
	});

	it('reports an unreachable workbench', async () => {
		server.use(http.post(LOGIN, () => HttpResponse.error()));
		expect((await failure(client().signIn('alice', 'pw'))).reason).toBe('unreachable');
	});

	it('calls the logout URL with the session cookies and reports a failure instead of throwing', async () => {
		let cookie: string | null = null;
		server.use(
			http.post('http://wb.test/sso/logout', ({ request }) => {
				cookie = request.headers.get('cookie');
				return new HttpResponse(null, { status: 500 });
			})
		);
		expect(await client().signOut('sid=abc')).toBe('the workbench logout answered 500');
		expect(cookie).toBe('sid=abc');
	});

	it('finds hidden field values whatever the attribute order and quoting', () => {
		const form = (inner: string) => `<form method="post">${inner}</form>`;
		expect(formFieldValue(form(`<input name='t' value='a"b'>`), 't')).toBe('a"b');
		expect(formFieldValue(form('<INPUT value=x1 NAME=t>'), 't')).toBe('x1');
		expect(formFieldValue(form('<input name="other" value="x">'), 't')).toBeUndefined();
	});

	it('decodes every character reference, as a browser does (Go html/template writes + as &#43;)', () => {
		expect(formFieldValue('<form><input type="hidden" name="csrf" value="ab&#43;cd&#x2F;ef&#61;&#61;"></form>', 'csrf')).toBe('ab+cd/ef==');
		expect(formFieldValue('<form><input name="csrf" value="&amp;&lt;&gt;&quot;&apos;&nbsp;&eacute;"></form>', 'csrf')).toBe('&<>"\'\u00a0\u00e9');
	});

	it('ignores fields inside comments, scripts and templates: the real form wins', () => {
		const html = `<!-- <form><input name="csrf" value="stale"></form> -->
			<script>document.write('<form><input name="csrf" value="scripted"></form>')</script>
			<template><form><input name="csrf" value="inert"></form></template>
			<form method="post" action="/sso/authenticate"><input type="hidden" name="csrf" value="real"></form>`;
		expect(formFieldValue(html, 'csrf')).toBe('real');
	});

	it('lists the forms with their resolved action, method and field names', () => {
		const forms = loginForms(
			'<form method=POST action="../authenticate"><input name=login><input name=secret type=password><button>Go</button></form><form action="/search"><input name=q></form>',
			'http://wb.test/sso/sign-in/page'
		);
		expect(forms).toEqual([
			{
				action: 'http://wb.test/sso/authenticate',
				method: 'post',
				fields: [
					{ name: 'login', type: 'text', value: '' },
					{ name: 'secret', type: 'password', value: '' }
				]
			},
			{ action: 'http://wb.test/search', method: 'get', fields: [{ name: 'q', type: 'text', value: '' }] }
		]);
	});
});

describe('service account', () => {
	const jarOf = (value: string): CookieJar => new Map([['sid', { name: 'sid', value, domain: 'wb.test', hostOnly: true, path: '/', secure: false }]]);

	it('signs in once on first use, for all concurrent requests', async () => {
		let signIns = 0;
		const account = createServiceAccount(async () => jarOf(`s${++signIns}`));
		const results = await Promise.all(Array.from({ length: 5 }, () => account.current()));
		expect(signIns).toBe(1);
		expect(results.every((result) => result.generation === 1)).toBe(true);
	});

	it('signs in again once after concurrent 401s, and not again for requests that used the old cookies late', async () => {
		let signIns = 0;
		const account = createServiceAccount(async () => jarOf(`s${++signIns}`));
		const { generation } = await account.current();
		expect(await Promise.all([account.renew(generation), account.renew(generation), account.renew(generation)])).toEqual([true, true, true]);
		expect(signIns).toBe(2);
		expect(await account.renew(generation)).toBe(true); // a late 401 for generation 1: just retry
		expect(signIns).toBe(2);
		expect((await account.current()).jar.get('sid')?.value).toBe('s2');
	});

	it('signs in again when its cookies have expired', async () => {
		let clock = 0;
		let signIns = 0;
		const account = createServiceAccount(
			async () => {
				signIns++;
				return new Map([['sid', { name: 'sid', value: 'v', domain: 'wb.test', hostOnly: true, path: '/', secure: false, expiresAt: clock + 1000 }]]);
			},
			() => clock
		);
		await account.current();
		clock = 999;
		await account.current();
		expect(signIns).toBe(1);
		clock = 1000;
		await account.current();
		expect(signIns).toBe(2);
	});

	it('turns a failed sign-in into a Prefect error a page can show, and tries again next time', async () => {
		let fail = true;
		const account = createServiceAccount(async () => {
			if (fail) throw new WorkbenchError('refused', 'the workbench at http://wb.test/sso/login refused the credentials (401)', 401);
			return jarOf('ok');
		});
		const error = await account.current().then(
			() => undefined,
			(caught: unknown) => caught
		);
		expect(error).toBeInstanceOf(PrefectError);
		expect(error).toMatchObject({ kind: 'unauthorized', message: expect.stringContaining('service-account sign-in failed') });
		fail = false;
		expect((await account.current()).jar.get('sid')?.value).toBe('ok');
	});
});

describe('sign-in page check (npm run test:auth)', () => {
	const page = 'http://wb.test/sso/sign-in';
	const html =
		'<!-- <form action="/old"><input name="user"><input name="pass" type="password"></form> --><form method="post" action="/sso/authenticate"><input name="login"><input name="secret" type="password"></form>';
	const settings = { loginUrl: 'http://wb.test/sso/authenticate', usernameField: 'login', passwordField: 'secret' };

	it('says the settings match the form', () => {
		expect(checkLoginForm(html, page, settings).verdict).toBe('match');
	});

	it('names the form target when WORKBENCH_LOGIN_URL is another URL', () => {
		expect(checkLoginForm(html, page, { ...settings, loginUrl: 'http://wb.test/old' })).toEqual({
			verdict: 'login-url',
			message: 'the sign-in form on http://wb.test/sso/sign-in posts to http://wb.test/sso/authenticate, not to WORKBENCH_LOGIN_URL: set WORKBENCH_LOGIN_URL=http://wb.test/sso/authenticate'
		});
	});

	it('names the real field names when the configured ones are not on the form', () => {
		expect(checkLoginForm(html, page, { ...settings, usernameField: 'username' })).toMatchObject({
			verdict: 'field-names',
			message: expect.stringContaining('has no field username (its fields: login, secret): set WORKBENCH_USERNAME_FIELD=login WORKBENCH_PASSWORD_FIELD=secret')
		});
	});

	it('finds no form on a page without a password field', () => {
		expect(checkLoginForm('<form><input name="q"></form>', page, settings).verdict).toBe('no-form');
	});
});
