/** The per-URL version check: kept, and checked again after a failure another server could explain. */
import { describe, expect, it } from 'vitest';
import type { PrefectClient } from '#lib/prefect/client.ts';
import { forgetVersion, prefectVersion } from '#lib/server/prefect-version.ts';

/** A client whose server answers the versions given, one per check. */
function serverAnswering(apiUrl: string, versions: string[]): PrefectClient & { checks: () => number } {
	let checks = 0;
	return { apiUrl, serverVersion: async () => versions[Math.min(checks++, versions.length - 1)]!, checks: () => checks } as unknown as PrefectClient & { checks: () => number };
}

describe('the Prefect version check', () => {
	it('is kept per API URL, and read again after forgetVersion (a server replaced by another version)', async () => {
		const apiUrl = 'http://version-cache.test/api';
		const prefect = serverAnswering(apiUrl, ['2.13.7', '3.9.1']);
		expect((await prefectVersion(prefect))?.version).toBe('2.13.7');
		expect((await prefectVersion(prefect))?.version).toBe('2.13.7');
		expect(prefect.checks()).toBe(1);

		forgetVersion(apiUrl);
		// The last known version serves while the check runs in the background; then the new one.
		expect((await prefectVersion(prefect))?.version).toBe('2.13.7');
		await new Promise((resolve) => setTimeout(resolve, 0));
		expect(prefect.checks()).toBe(2);
		expect((await prefectVersion(prefect))?.version).toBe('3.9.1');
		expect((await prefectVersion(prefect))?.support.level).toBe('supported');
	});
});
