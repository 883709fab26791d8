/** The PrefectError a call fails with (the test fails if it succeeds or fails otherwise). */
import { expect } from 'vitest';
import { PrefectError } from '#lib/prefect/errors.ts';

export async function prefectFailure(promise: Promise<unknown>): Promise<PrefectError> {
	try {
		await promise;
	} catch (error) {
		expect(error).toBeInstanceOf(PrefectError);
		return error as PrefectError;
	}
	throw new Error('expected a failure');
}
