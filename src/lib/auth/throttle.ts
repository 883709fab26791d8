/**
 * Throttling of failed sign-ins per username and client address: after `maxFailures` failures within `windowMs`,
 * further attempts for that pair are refused (429) until the oldest failure leaves the window. Keyed by the pair,
 * so nobody can lock a user out from another address.
 */
export interface ThrottleVerdict {
	allowed: boolean;
	/** Seconds until the next attempt is allowed (when refused). */
	retryAfterSeconds: number;
}

export interface LoginThrottleOptions {
	maxFailures: number;
	windowMs: number;
	now?: () => number;
}

export function createLoginThrottle(options: LoginThrottleOptions) {
	const now = options.now ?? Date.now;
	const failures = new Map<string, number[]>();
	const keyOf = (username: string, address: string) => JSON.stringify([username.trim().toLowerCase(), address]);
	const recent = (key: string, at: number) => (failures.get(key) ?? []).filter((time) => at - time < options.windowMs);
	/** Forgets failures that left the window, so the map only holds pairs with recent failures. */
	const sweep = (at: number) => {
		for (const key of failures.keys()) if (recent(key, at).length === 0) failures.delete(key);
	};

	return {
		check(username: string, address: string): ThrottleVerdict {
			const at = now();
			const times = recent(keyOf(username, address), at);
			if (times.length < options.maxFailures) return { allowed: true, retryAfterSeconds: 0 };
			const oldest = times[times.length - options.maxFailures] ?? at;
			return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((oldest + options.windowMs - at) / 1000)) };
		},
		recordFailure(username: string, address: string): void {
			const key = keyOf(username, address);
			const at = now();
			sweep(at);
			failures.set(key, [...recent(key, at), at]);
		},
		/** A successful sign-in clears the pair's failures. */
		reset(username: string, address: string): void {
			failures.delete(keyOf(username, address));
		}
	};
}

export type LoginThrottle = ReturnType<typeof createLoginThrottle>;
