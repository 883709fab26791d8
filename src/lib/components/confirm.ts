/**
 * The browser half of a confirmed action: with JavaScript, a dialog asks first and the form goes out once, with
 * `confirmed=yes`; without it, the server answers the first submit with a confirm step (ConfirmStep.svelte).
 */
import type { SubmitFunction } from '$app/forms';

/**
 * `message` may be a function: it is read at submit time (`use:enhance` keeps the function it was first given, so
 * a message built from page state must not be fixed when the form mounts).
 */
export function confirmFirst(message: string | (() => string | null), then: SubmitFunction): SubmitFunction {
	return (input) => {
		const question = typeof message === 'function' ? message() : message;
		if (question !== null && input.formData.get('confirmed') !== 'yes') {
			if (!window.confirm(question)) {
				input.cancel();
				return;
			}
			input.formData.set('confirmed', 'yes');
		}
		return then(input);
	};
}
