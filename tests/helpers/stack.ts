/** Access to the real stack scripts/test-all.ts started for integration tests. */
import { randomUUID } from 'node:crypto';
import { createPrefectClient } from '#lib/prefect/client.ts';
import { loadRunTree, treeIsFinal, type RunTree } from '#lib/server/run-tree.ts';
import { sleep, waitFor } from '../../scripts/lib/processes.ts';
import { pythonEnvs, type PrefectMajor } from '../../scripts/lib/python.ts';

export function testApiUrl(): string {
	const url = process.env.FLOWDECK_TEST_API_URL;
	if (!url) throw new Error('FLOWDECK_TEST_API_URL is not set: run integration tests with npm test (-- --only integration)');
	return url;
}

/** Connection failures a loaded machine produces; the request is sent again. */
const TRANSIENT = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);
const SETUP_ATTEMPTS = 6;

const transient = (error: unknown): boolean => {
	const cause = (error as { cause?: { code?: string; cause?: { code?: string } } }).cause;
	return TRANSIENT.has(cause?.code ?? cause?.cause?.code ?? '');
};

/** Flow run creations get an idempotency key: a creation sent again after a reset gives the run made the first time. */
const createsRun = (request: Request) => request.method === 'POST' && /\/(deployments\/[^/]+\/create_flow_run|flow_runs\/)$/.test(new URL(request.url).pathname);

/**
 * fetch for test setup (seeding, triggering, cancelling): sends a request again when the connection was reset or
 * refused. Safe for what tests send: reads, forced state changes, upserts, and run creations (idempotency key).
 */
async function setupFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
	let request = new Request(input, init);
	if (createsRun(request)) {
		const body = (await request.clone().json()) as Record<string, unknown>;
		request = new Request(request, { body: JSON.stringify({ idempotency_key: randomUUID(), ...body }) });
	}
	for (let attempt = 1; ; attempt++) {
		try {
			return await fetch(request.clone());
		} catch (error) {
			if (attempt >= SETUP_ATTEMPTS || !transient(error)) throw error;
			await sleep(250 * 2 ** attempt);
		}
	}
}

/**
 * The tests' Prefect client for any API URL: the product's request path (reads retried on network errors, timeouts and
 * 502/503/504; writes on Prefect's "database busy" 503) with more patience, and every call re-sent after a reset.
 */
export const setupPrefect = (apiUrl: string) => createPrefectClient({ apiUrl, readRetries: 5, timeoutMs: 30_000, fetch: setupFetch });

/**
 * A raw call to the test stack's Prefect, for what the app's client does not send (task runs, runs with a parent
 * task run): through setupFetch, and sent again while Prefect answers 503 (its SQLite database busy).
 */
export async function seedPrefect<T>(method: string, path: string, body?: unknown): Promise<T> {
	for (let attempt = 1; ; attempt++) {
		const response = await setupFetch(`${testApiUrl()}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
		if (response.status === 503 && attempt < SETUP_ATTEMPTS) {
			await sleep(250 * 2 ** attempt);
			continue;
		}
		if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
		return (response.status === 204 ? undefined : await response.json()) as T;
	}
}

/** setupPrefect for the stack npm test started. */
export const testPrefect = () => setupPrefect(testApiUrl());

export async function waitForFinalTree(runId: string, timeoutMs: number): Promise<RunTree> {
	const prefect = testPrefect();
	return waitFor(
		`run ${runId} and its descendants to finish`,
		async () => {
			const tree = await loadRunTree(prefect, runId);
			return treeIsFinal(tree) ? tree : undefined;
		},
		timeoutMs,
		1000
	);
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

/** The Prefect major version of the stack npm test started (2 = 2.13.7, 3 = 3.x: its prefect3 part). */
export const testPrefectMajor = (): PrefectMajor => (process.env.FLOWDECK_PREFECT_VERSION === '3' ? 3 : 2);

/** The Prefect release the stack runs, as /api/admin/version answers it ("2.13.7", "3.9.1"). */
export const testServerVersion = (): string => pythonEnvs[testPrefectMajor()].prefectVersion;

/**
 * For tests that apply to Prefect 2.13.7 only: true (skip them) on another stack, printing why, so that no skip is
 * silent. Use: `describe.skipIf(prefect2Only('why'))(…)`; vitest counts the skipped tests.
 */
export function prefect2Only(reason: string): boolean {
	const major = testPrefectMajor();
	if (major === 2) return false;
	console.log(`skipped on Prefect ${major}: ${reason}`);
	return true;
}
