/**
 * The browser half of a confirmed action: with JavaScript, a dialog asks first and the form goes out once, with
 * `confirmed=yes`; without it, the server answers the first submit with a confirm step (ConfirmStep.svelte).
 */
import type { SubmitFunction } from '$app/forms';

export function confirmFirst(message: string, then: SubmitFunction): SubmitFunction {
	return (input) => {
		if (input.formData.get('confirmed') !== 'yes') {
			if (!window.confirm(message)) {
				input.cancel();
				return;
			}
			input.formData.set('confirmed', 'yes');
		}
		return then(input);
	};
}
