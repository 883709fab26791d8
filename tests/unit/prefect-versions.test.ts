import { describe, expect, it } from 'vitest';
import { apiOf, versionSupport } from '#lib/prefect/versions.ts';

describe('versionSupport', () => {
	it('supports the tested 2.13 and 3.9 lines', () => {
		expect(versionSupport('2.13.7')).toEqual({ level: 'supported', message: null });
		expect(versionSupport('3.9.1')).toEqual({ level: 'supported', message: null });
		expect(versionSupport('3.9.4')).toEqual({ level: 'supported', message: null });
	});

	it('warns for other 2.x and 3.x servers', () => {
		expect(versionSupport('2.19.2').level).toBe('untested');
		expect(versionSupport('3.0.0')).toMatchObject({ level: 'untested', message: expect.stringContaining('3.0.0') });
		expect(versionSupport('3.10.0')).toMatchObject({ level: 'untested', message: expect.stringContaining('2.13.x and 3.9.x') });
	});

	it('refuses other majors and unreadable versions with the supported range named', () => {
		expect(versionSupport('1.4.1')).toMatchObject({ level: 'unsupported', message: expect.stringContaining('2.13.x and 3.9.x') });
		expect(versionSupport('4.0.0').level).toBe('unsupported');
		expect(versionSupport('nightly').level).toBe('unsupported');
	});
});

describe('apiOf', () => {
	it('picks the 3.x adapters from 3.0 on and the 2.x ones below', () => {
		expect(apiOf('2.13.7')).toBe(2);
		expect(apiOf('2.19.2')).toBe(2);
		expect(apiOf('3.0.0')).toBe(3);
		expect(apiOf('3.9.1')).toBe(3);
	});
});
