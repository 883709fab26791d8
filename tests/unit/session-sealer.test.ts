import { describe, expect, it } from 'vitest';
import { sessionSealer } from '#lib/auth/redis-sessions.ts';

describe('sealing of session contents for a shared store', () => {
	const sealer = sessionSealer('a-secret-of-at-least-32-characters-long');

	it('opens only with the same secret and the same key, and never shows the plain text', () => {
		const sealed = sealer.seal('{"username":"alice","upstream":"gw_session=abc"}', 'key-1');
		expect(sealed).toMatch(/^v1\.[\w-]+$/);
		expect(sealed).not.toMatch(/alice|gw_session/);
		expect(sealer.open(sealed, 'key-1')).toBe('{"username":"alice","upstream":"gw_session=abc"}');
		expect(sealer.open(sealed, 'key-2')).toBeUndefined(); // moved to another session's key
		expect(sessionSealer('another-secret-of-at-least-32-characters').open(sealed, 'key-1')).toBeUndefined();
	});

	it('refuses a tampered or malformed record', () => {
		const sealed = sealer.seal('hello', 'k');
		const raw = Buffer.from(sealed.slice(3), 'base64url');
		raw[raw.length - 1]! ^= 1;
		expect(sealer.open(`v1.${raw.toString('base64url')}`, 'k')).toBeUndefined();
		expect(sealer.open('v1.', 'k')).toBeUndefined();
		expect(sealer.open('plain', 'k')).toBeUndefined();
	});

	it('uses a fresh IV each time', () => {
		expect(sealer.seal('same', 'k')).not.toBe(sealer.seal('same', 'k'));
	});
});
