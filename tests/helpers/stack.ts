/** Access to the real stack scripts/test-all.ts started for integration tests. */
import { createPrefectClient } from '#lib/prefect/client.ts';
import { loadRunTree, treeIsFinal, type RunTree } from '#lib/server/run-tree.ts';
import { waitFor } from '../../scripts/lib/processes.ts';

export function testApiUrl(): string {
	const url = process.env.FLOWDECK_TEST_API_URL;
	if (!url) throw new Error('FLOWDECK_TEST_API_URL is not set: run integration tests with npm test (-- --only integration)');
	return url;
}

export const testPrefect = () => createPrefectClient({ apiUrl: testApiUrl() });

export async function waitForFinalTree(runId: string, timeoutMs = 150_000): Promise<RunTree> {
	const prefect = testPrefect();
	return waitFor(`run ${runId} and its descendants to finish`, async () => {
		const tree = await loadRunTree(prefect, runId);
		return treeIsFinal(tree) ? tree : undefined;
	}, timeoutMs, 1000);
}

/** Most intervals open at one instant. */
export function maxOverlap(intervals: Array<{ start: number; end: number }>): number {
	const events = intervals.flatMap(({ start, end }) => [
		{ at: start, delta: 1 },
		{ at: end, delta: -1 }
	]);
	// At equal instants, ends before starts: a slot released and taken at once is not an overlap.
	events.sort((a, b) => a.at - b.at || a.delta - b.delta);
	let open = 0;
	let most = 0;
	for (const event of events) {
		open += event.delta;
		most = Math.max(most, open);
	}
	return most;
}
