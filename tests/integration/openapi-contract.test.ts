/**
 * The fields Flowdeck reads and the bodies it sends, checked against the running server's own OpenAPI document:
 * a field that a Prefect version drops or retypes fails here instead of showing wrong data on a page.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { contract } from '../contract/prefect-endpoints.ts';
import { checkContract, type OpenApiDocument } from '../helpers/openapi-contract.ts';
import { prefect2Only, testApiUrl } from '../helpers/stack.ts';

describe.skipIf(prefect2Only('the contract lists the 2.13.7 wire schemas; the 3.x ones come with the per-version adapters (deployments schedules[]/paused)'))(
	'the Prefect API Flowdeck uses, against the server’s OpenAPI document',
	() => {
		let doc: OpenApiDocument;
		beforeAll(async () => {
			const response = await fetch(`${testApiUrl()}/openapi.json`);
			expect(response.ok).toBe(true);
			doc = (await response.json()) as OpenApiDocument;
		});

		it.each(contract.map((entry) => [`${entry.method.toUpperCase()} ${entry.path}`, entry] as const))('%s', (_, entry) => {
			expect(checkContract(doc, entry)).toEqual([]);
		});
	}
);
