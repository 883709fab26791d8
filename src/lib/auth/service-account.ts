/**
 * The shared upstream session of service-account mode, numbered by generation: signed in on first use, and again
 * when its cookies expire or upstream refuses them, exactly once per expiry for all concurrent requests (single
 * flight). A call refused with cookies of an older generation just goes again with the current ones; cookies
 * re-issued on an answer to an older generation are dropped, so a late answer never overwrites the new session.
 */
import { PrefectError } from '#lib/prefect/errors.ts';
import { jarExpired, type CookieJar } from './cookies.ts';
import type { CookieSource } from './upstream.ts';
import { WorkbenchError } from './workbench.ts';

export function createServiceAccount(signIn: () => Promise<CookieJar>, now: () => number = Date.now): CookieSource {
	let jar: CookieJar | undefined;
	let generation = 0;
	let pending: Promise<void> | undefined;

	const signInOnce = (): Promise<void> =>
		(pending ??= signIn()
			.then((fresh) => {
				jar = fresh;
				generation += 1;
			})
			.catch((error: unknown) => {
				throw asPrefectError(error);
			})
			.finally(() => {
				pending = undefined;
			}));

	return {
		async current() {
			if (!jar || jarExpired(jar, now())) await signInOnce();
			return { jar: jar ?? new Map(), generation };
		},
		keep(used, update) {
			if (jar && used === generation) jar = update(jar);
		},
		async renew(used) {
			// Only a refusal of the current cookies signs in (joining one already under way); older ones just retry.
			if (used === generation) await signInOnce();
			return true;
		}
	};
}

/** A failed service-account sign-in surfaces as a Prefect failure of the page or script that needed it. */
function asPrefectError(error: unknown): PrefectError {
	if (error instanceof WorkbenchError) {
		return new PrefectError(error.reason === 'unreachable' ? 'unreachable' : 'unauthorized', `service-account sign-in failed: ${error.message}`, error.status);
	}
	return error instanceof PrefectError ? error : new PrefectError('upstream', 'service-account sign-in failed');
}
