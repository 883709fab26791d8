import { sequence } from '@sveltejs/kit/hooks';
import type { Handle, HandleServerError, ServerInit } from '@sveltejs/kit/hooks';
import { handleAuth } from '#lib/auth/handle.ts';
import { checkRequest } from '#lib/server/request-checks.ts';
import { describePrefectError, isPrefectError } from '#lib/prefect/errors.ts';
import { startSlotReconciler } from '#lib/server/slot-reconciler.ts';

/** Background work of the server process: the leaked-slot reconciler, when enabled. */
export const init: ServerInit = () => startSlotReconciler();

/**
 * Refuses requests to a host this server does not answer to and form posts that are not forms (400); then resumes
 * the session, guards pages in per-user workbench mode, and sets locals.prefect with the request's credentials.
 */
export const handle: Handle = sequence(checkRequest, handleAuth);

/**
 * A Prefect failure anywhere in a load becomes a clear error page with the right status; anything else
 * unexpected gets a generic message, with details only in the server log.
 */
export const handleError: HandleServerError = (input) => {
	if (input.kind !== 'unknown') return;
	if (isPrefectError(input.error)) {
		const view = describePrefectError(input.error);
		return { status: view.status, title: view.title, message: view.message, retryable: view.retryable };
	}
	console.error('[flowdeck] unexpected error:', input.error instanceof Error ? input.error.message : input.error);
	return { message: 'Something went wrong in Flowdeck. The server log has details.' };
};
