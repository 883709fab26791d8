/**
 * The shared upstream session of service-account mode: signed in on first use, and again when its cookies expire
 * or upstream answers 401, once for all concurrent requests (single flight). A request that got its 401 with
 * cookies older than the current ones just retries with the new ones.
 */
import { PrefectError } from '#lib/prefect/errors.ts';
import { jarExpired, type CookieJar } from './cookies.ts';
import { WorkbenchError } from './workbench.ts';

export interface ServiceAccount {
	/** The current cookies and their generation (incremented at every sign-in), signing in first when needed. */
	current(): Promise<{ jar: CookieJar; generation: number }>;
	/** After a 401 for cookies of `generation`: signs in again unless another request already did. */
	renew(generation: number): Promise<boolean>;
	keep(update: (jar: CookieJar) => CookieJar): void;
}

export function createServiceAccount(signIn: () => Promise<CookieJar>, now: () => number = Date.now): ServiceAccount {
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
		async renew(used) {
			if (used === generation) await signInOnce();
			return true;
		},
		keep(update) {
			if (jar) jar = update(jar);
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
