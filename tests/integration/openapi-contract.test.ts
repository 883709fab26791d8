/**
 * The fields Flowdeck reads and the bodies it sends, checked against the running server's own OpenAPI document with
 * the contract of that server's API generation (the stack runs 2.13.7, or 3.9.1 when started for 3.x): a field that a
 * Prefect version drops or retypes fails here instead of showing wrong data on a page.
 */
import { describe, expect, it } from 'vitest';
import { apiOf } from '#lib/prefect/versions.ts';
import { contracts } from '../contract/prefect-endpoints.ts';
import { checkContract, type OpenApiDocument } from '../helpers/openapi-contract.ts';
import { testApiUrl, testPrefect, testServerVersion } from '../helpers/stack.ts';

const version = await testPrefect().serverVersion();
if (version !== testServerVersion()) throw new Error(`the stack runs Prefect ${version}, not the ${testServerVersion()} it was started with`);
const doc = await (async () => {
	const response = await fetch(`${testApiUrl()}/openapi.json`);
	if (!response.ok) throw new Error(`GET /openapi.json answered ${response.status}`);
	return (await response.json()) as OpenApiDocument;
})();

describe(`the Prefect API Flowdeck uses, against the OpenAPI document of the server (Prefect ${version})`, () => {
	it.each(contracts[apiOf(version)].map((entry) => [`${entry.method.toUpperCase()} ${entry.path}`, entry] as const))('%s', (_, entry) => {
		expect(checkContract(doc, entry)).toEqual([]);
	});
});
