import { describe, expect, it } from 'vitest';
import { versionSupport } from '#lib/prefect/versions.ts';

describe('versionSupport', () => {
	it('supports the tested 2.13 line', () => {
		expect(versionSupport('2.13.7')).toEqual({ level: 'supported', message: null });
	});

	it('warns for other 2.x and 3.x servers', () => {
		expect(versionSupport('2.19.2').level).toBe('untested');
		expect(versionSupport('3.9.1')).toMatchObject({ level: 'untested', message: expect.stringContaining('3.9.1') });
	});

	it('refuses other majors and unreadable versions with the supported range named', () => {
		expect(versionSupport('1.4.1')).toMatchObject({ level: 'unsupported', message: expect.stringContaining('2.13.x') });
		expect(versionSupport('4.0.0').level).toBe('unsupported');
		expect(versionSupport('nightly').level).toBe('unsupported');
	});
});
