import { sequence, type Handle, type HandleServerError, type ServerInit } from '@sveltejs/kit/hooks';
import { guard, resumeSession, sharedPrefectClient } from '#lib/auth/handle.ts';
import { handleCompression } from '#lib/server/compression.ts';
import { checkRequest } from '#lib/server/request-checks.ts';
import { describePrefectError, isPrefectError } from '#lib/prefect/errors.ts';
import { malformedIdError } from '#lib/server/not-found.ts';
import { startSlotReconciler } from '#lib/server/slot-reconciler.ts';

/** Background work of the server process: the leaked-slot reconciler, when enabled. */
export const init: ServerInit = () => startSlotReconciler(sharedPrefectClient);

/**
 * Compresses what the app answers (src/lib/server/compression.ts); refuses requests to a host this server does not
 * answer to and form posts that are not forms (400); then resumes the session, guards pages in per-user workbench
 * mode, and sets locals.prefect with the request's credentials.
 */
export const handle: Handle = sequence(handleCompression, checkRequest, resumeSession, guard);

/**
 * A Prefect failure anywhere in a load becomes a clear error page with the right status; anything else
 * unexpected gets a generic message, with details only in the server log. A malformed id (no route matches it)
 * gets the same clear 404 as an unknown one.
 */
export const handleError: HandleServerError = (input) => {
	if (input.kind === 'framework' && input.error.status === 404) return malformedIdError(input.event.url.pathname);
	if (input.kind !== 'unknown') return;
	if (isPrefectError(input.error)) {
		const view = describePrefectError(input.error);
		return { status: view.status, title: view.title, message: view.message, retryable: view.retryable };
	}
	console.error('[flowdeck] unexpected error:', input.error instanceof Error ? input.error.message : input.error);
	return { message: 'Something went wrong in Flowdeck. The server log has details.' };
};
