import type { SubmitFunction } from '$app/forms';

/**
 * A form's busy state around SvelteKit's enhance: busy from submit until the page has the answer, so its buttons
 * can be disabled meanwhile. `keepValues` leaves what was typed in place; `after` runs once the page is updated.
 */
export class PendingForm {
	busy = $state(false);
	private readonly keepValues: boolean;
	private readonly after: (() => void) | undefined;

	constructor(options: { keepValues?: boolean; after?: () => void } = {}) {
		this.keepValues = options.keepValues ?? false;
		this.after = options.after;
	}

	readonly submit: SubmitFunction = () => {
		this.busy = true;
		return async ({ update }) => {
			await update({ reset: !this.keepValues });
			this.after?.();
			this.busy = false;
		};
	};
}
