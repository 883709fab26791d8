import type { PrefectClient } from '#lib/prefect/client.ts';

declare global {
	namespace App {
		interface Locals {
			/** Prefect client carrying this request's upstream credentials. */
			prefect: PrefectClient;
		}
		interface Error {
			message: string;
			title?: string;
			retryable?: boolean;
		}
	}
}

export {};
