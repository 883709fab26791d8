import { describe, expect, it } from 'vitest';
import { createLoginThrottle } from '#lib/auth/throttle.ts';

const minute = 60_000;

describe('failed sign-in throttle', () => {
	it('refuses the pair after 5 failures in 15 minutes, with the seconds until the oldest leaves the window', () => {
		let clock = 0;
		const throttle = createLoginThrottle({ maxFailures: 5, windowMs: 15 * minute, now: () => clock });
		for (let i = 0; i < 5; i++) {
			expect(throttle.check('alice', '10.0.0.1').allowed).toBe(true);
			throttle.recordFailure('alice', '10.0.0.1');
			clock += minute;
		}
		// Failures at minutes 0..4, now minute 5: the first leaves the window at minute 15.
		expect(throttle.check('alice', '10.0.0.1')).toEqual({ allowed: false, retryAfterSeconds: 10 * 60 });
		expect(throttle.check('ALICE ', '10.0.0.1').allowed).toBe(false);
		clock = 15 * minute;
		expect(throttle.check('alice', '10.0.0.1').allowed).toBe(true);
	});

	it('keys by username and address, so others are not locked out', () => {
		const throttle = createLoginThrottle({ maxFailures: 2, windowMs: minute, now: () => 0 });
		throttle.recordFailure('alice', '10.0.0.1');
		throttle.recordFailure('alice', '10.0.0.1');
		expect(throttle.check('alice', '10.0.0.1').allowed).toBe(false);
		expect(throttle.check('alice', '10.0.0.2').allowed).toBe(true);
		expect(throttle.check('bob', '10.0.0.1').allowed).toBe(true);
	});

	it('forgets the failures of a pair that then signs in', () => {
		const throttle = createLoginThrottle({ maxFailures: 2, windowMs: minute, now: () => 0 });
		throttle.recordFailure('alice', '10.0.0.1');
		throttle.reset('alice', '10.0.0.1');
		throttle.recordFailure('alice', '10.0.0.1');
		expect(throttle.check('alice', '10.0.0.1').allowed).toBe(true);
	});
});
