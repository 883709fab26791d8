/** Every failure of a Prefect call is one of these kinds; pages and scripts turn them into messages. */
export type PrefectErrorKind = 'unreachable' | 'timeout' | 'unauthorized' | 'not-found' | 'conflict' | 'validation' | 'upstream' | 'malformed';

export class PrefectError extends Error {
	override readonly name = 'PrefectError';
	readonly kind: PrefectErrorKind;
	/** HTTP status from Prefect (or the gateway in front of it), when there was a response. */
	readonly status?: number;
	/** Prefect's own explanation (422 exception_message, 404 detail), safe to show. */
	readonly detail?: string;
	constructor(kind: PrefectErrorKind, message: string, status?: number, detail?: string) {
		super(message);
		this.kind = kind;
		this.status = status;
		this.detail = detail;
	}
}

export function isPrefectError(error: unknown, kind?: PrefectErrorKind): error is PrefectError {
	return error instanceof PrefectError && (kind === undefined || error.kind === kind);
}

/** What a page shows for a failed Prefect call, and the HTTP status the page answers with. */
export interface PrefectErrorView {
	status: number;
	title: string;
	message: string;
	retryable: boolean;
}

export function describePrefectError(error: PrefectError): PrefectErrorView {
	switch (error.kind) {
		case 'unreachable':
			return { status: 503, title: 'Prefect is unreachable', message: error.message, retryable: true };
		case 'timeout':
			return { status: 504, title: 'Prefect did not answer in time', message: error.message, retryable: true };
		case 'unauthorized':
			return { status: 401, title: 'Not authorized by Prefect', message: error.message, retryable: false };
		case 'not-found':
			return { status: 404, title: 'Not found', message: error.message, retryable: false };
		case 'conflict':
			return { status: 409, title: 'Already exists', message: error.message, retryable: false };
		case 'validation':
			return { status: 400, title: 'Prefect refused the request', message: error.message, retryable: false };
		case 'upstream':
			return { status: 502, title: 'Prefect failed', message: error.message, retryable: true };
		case 'malformed':
			return { status: 502, title: 'Unexpected answer from Prefect', message: error.message, retryable: true };
	}
}
