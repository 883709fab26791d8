import { describe, expect, it } from 'vitest';
import { parseConfig } from '#lib/server/config.ts';
import { allowedHosts, formBodyProblem, hostName, isAllowedHost } from '#lib/server/request-checks.ts';

describe('host allow-list', () => {
	it('defaults to the loopback names, plus ORIGIN when set', () => {
		expect(allowedHosts(parseConfig({}))).toEqual(['localhost', '127.0.0.1', '[::1]']);
		expect(allowedHosts(parseConfig({ ORIGIN: 'https://flowdeck.example.com' }))).toEqual(['flowdeck.example.com', 'localhost', '127.0.0.1', '[::1]']);
		expect(allowedHosts(parseConfig({ ORIGIN: 'https://flowdeck.example.com', FLOWDECK_ALLOWED_HOSTS: 'Ops.Example.com, .corp.example' }))).toEqual([
			'ops.example.com',
			'.corp.example'
		]);
	});

	it('refuses a malformed allow-list at start-up', () => {
		expect(() => parseConfig({ FLOWDECK_ALLOWED_HOSTS: 'https://x.example/' })).toThrow(/FLOWDECK_ALLOWED_HOSTS/);
	});

	it.each([
		['127.0.0.1:3000', true],
		['localhost:41234', true],
		['LOCALHOST', true],
		['[::1]:3000', true],
		['evil.example:3000', false],
		['127.0.0.1.evil.example', false],
		['', false],
		['a b', false],
		['127.0.0.1:3000@evil.example', false]
	])('Host %j with the default list: %s', (header, allowed) => {
		expect(isAllowedHost(hostName(header), allowedHosts(parseConfig({})))).toBe(allowed);
	});

	it('matches a .domain entry and its subdomains, and * anything', () => {
		const list = ['.corp.example'];
		expect(isAllowedHost(hostName('flowdeck.corp.example'), list)).toBe(true);
		expect(isAllowedHost(hostName('corp.example:443'), list)).toBe(true);
		expect(isAllowedHost(hostName('evilcorp.example'), list)).toBe(false);
		expect(isAllowedHost(hostName('anything.example'), ['*'])).toBe(true);
	});
});

describe('form action bodies', () => {
	const post = (type: string | undefined, body: string) =>
		new Request('http://127.0.0.1/runs?/cancel', { method: 'POST', headers: type ? { 'content-type': type } : {}, body: new TextEncoder().encode(body) });

	it('accepts urlencoded and well-formed multipart forms, leaving the body readable', async () => {
		const request = post('application/x-www-form-urlencoded', 'a=1');
		expect(await formBodyProblem(request)).toBeUndefined();
		expect((await request.formData()).get('a')).toBe('1');
		const multipart = new Request('http://127.0.0.1/x', {
			method: 'POST',
			body: (() => {
				const form = new FormData();
				form.set('a', '1');
				return form;
			})()
		});
		expect(await formBodyProblem(multipart)).toBeUndefined();
	});

	it.each([
		['text/plain', 'a=1', /not text\/plain/],
		[undefined, 'a=1', /not a body without a content type/],
		['multipart/form-data; boundary=', '--\r\n', /could not be read/],
		['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1', /could not be read/],
		['multipart/form-data', 'garbage', /could not be read/]
	])('refuses %s with a clear message', async (type, body, message) => {
		expect(await formBodyProblem(post(type, body))).toMatch(message);
	});
});
