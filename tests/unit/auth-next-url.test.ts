import { describe, expect, it } from 'vitest';
import { loginLocation, safeNext } from '#lib/auth/next-url.ts';

describe('safe next URL', () => {
	it('keeps a same-origin path with its query and hash', () => {
		expect(safeNext('/runs?state=FAILED#top')).toBe('/runs?state=FAILED#top');
		expect(safeNext('/')).toBe('/');
	});

	it.each([
		['another site', 'https://evil.example/'],
		['a protocol-relative URL', '//evil.example/x'],
		['a backslash trick', '/\\evil.example'],
		['a javascript: URL', 'javascript:alert(1)'],
		['a relative path', 'runs'],
		['control characters', '/x\n/evil'],
		['an encoded tab', '/\t/evil.example'],
		['the login page itself', '/login?next=/x'],
		['a dot segment that normalises to //host', '/.//evil.example'],
		['a parent segment that normalises to //host', '/a/..//evil.example'],
		['an encoded dot that normalises to //host', '/%2e//evil.example'],
		['an encoded parent segment', '/a/%2e%2e//evil.example/x?y=1'],
		['nothing', null],
		['a non-string', 42]
	])('falls back to / for %s', (_, next) => {
		expect(safeNext(next)).toBe('/');
	});

	it('builds the /login location with next and the expiry flag', () => {
		expect(loginLocation('/runs?x=1', 'workbench')).toBe('/login?next=%2Fruns%3Fx%3D1&expired=workbench');
		expect(loginLocation('/runs', 'flowdeck')).toBe('/login?next=%2Fruns&expired=flowdeck');
		expect(loginLocation('/')).toBe('/login');
		expect(loginLocation('//evil.example')).toBe('/login');
	});
});
