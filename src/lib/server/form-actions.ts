/** What every form action shares: a Prefect refusal becomes the form's message, with its status, never a 500. */
import { fail, type ActionFailure } from '@sveltejs/kit';
import { describePrefectError, isPrefectError } from '#lib/prefect/errors.ts';

/**
 * Runs `work`; a PrefectError becomes fail(status, { message, ...extra }) (`extra` carries what the form shows
 * again, e.g. the values someone entered). Anything else, a redirect included, goes on up.
 */
export async function asFormFailure<T, E extends object = object>(work: () => Promise<T>, extra?: E): Promise<T | ActionFailure<{ message: string } & E>> {
	try {
		return await work();
	} catch (error) {
		if (!isPrefectError(error)) throw error;
		const view = describePrefectError(error);
		return fail(view.status, { message: `${view.title}: ${view.message}`, ...(extra as E) });
	}
}
