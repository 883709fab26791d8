import type { RequestAuth } from '#lib/auth/handle.ts';
import type { PrefectClient } from '#lib/prefect/client.ts';

declare global {
	namespace App {
		interface Locals {
			/** Prefect client carrying this request's upstream credentials. */
			prefect: PrefectClient;
			/** Authentication mode and the user's session (src/lib/auth). */
			auth: RequestAuth;
		}
		interface Error {
			message: string;
			title?: string;
			retryable?: boolean;
		}
	}
}

export {};
