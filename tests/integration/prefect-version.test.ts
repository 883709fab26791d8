/**
 * Version detection at connect: the real test server is supported; a server reporting another version (the real
 * server behind a proxy that answers /api/admin/version itself) gets a warning, or a clear refusal on every page.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { startCountingProxy, type CountingProxy } from '../helpers/counting-proxy.ts';
import { freePort } from '../../scripts/lib/processes.ts';
import { startFlowdeck, Visitor, type FlowdeckServer } from '../helpers/flowdeck.ts';
import { SUPPORTED_PREFECT_RANGE } from '#lib/prefect/versions.ts';
import { testApiUrl, testPrefect, testServerVersion } from '../helpers/stack.ts';

async function flowdeckFor(reportedVersion: string | undefined): Promise<{ proxy: CountingProxy; flowdeck: FlowdeckServer }> {
	const upstream = new URL(testApiUrl());
	const proxy = await startCountingProxy(upstream.origin, await freePort(), (method, path) =>
		reportedVersion !== undefined && method === 'GET' && path === '/api/admin/version' ? { status: 200, json: reportedVersion } : undefined
	);
	const flowdeck = await startFlowdeck({ PREFECT_API_URL: `${proxy.url}/api` });
	return { proxy, flowdeck };
}

describe('Prefect version detection', () => {
	const started: Array<{ proxy: CountingProxy; flowdeck: FlowdeckServer }> = [];
	const start = async (version: string | undefined) => {
		const pair = await flowdeckFor(version);
		started.push(pair);
		return new Visitor(pair.flowdeck.url);
	};
	afterAll(async () => {
		for (const { proxy, flowdeck } of started) {
			await flowdeck.stop();
			await proxy.close();
		}
	});

	it('reports the real server as supported on /healthz and shows no notice', async () => {
		const version = await testPrefect().serverVersion();
		expect(version).toBe(testServerVersion());
		const visitor = await start(undefined);
		const health = JSON.parse((await visitor.get('/healthz')).body) as { prefect: Record<string, unknown> };
		expect(health.prefect).toMatchObject({ reachable: true, version, supportedVersions: SUPPORTED_PREFECT_RANGE, support: 'supported', error: null });
		const page = await visitor.get('/');
		expect(page.status).toBe(200);
		expect(page.body).not.toContain('prefect-version-notice');
	});

	it('warns on every page for an untested version of the same major, and the pages still load', async () => {
		// Another minor of the real server's major: the client keeps speaking that major's API to it.
		const untested = (await testPrefect().serverVersion()).startsWith('3.') ? '3.10.0' : '2.19.2';
		const visitor = await start(untested);
		const health = JSON.parse((await visitor.get('/healthz')).body) as { prefect: Record<string, unknown> };
		expect(health.prefect).toMatchObject({ version: untested, support: 'untested', error: expect.stringContaining('not a version Flowdeck is tested with') });
		for (const path of ['/', '/flows', '/runs']) {
			const page = await visitor.get(path);
			expect(page.status).toBe(200);
			expect(page.body).toContain('data-testid="prefect-version-notice"');
		}
	});

	it('refuses a 4.x server with a clear message instead of broken pages', async () => {
		const visitor = await start('4.0.0');
		const health = JSON.parse((await visitor.get('/healthz')).body) as { prefect: Record<string, unknown> };
		expect(health.prefect).toMatchObject({ version: '4.0.0', support: 'unsupported', error: expect.stringContaining('Prefect 4.0.0 is not supported') });
		const page = await visitor.get('/runs');
		expect(page.body).toContain('Unsupported Prefect version');
		expect(page.body).toContain('Prefect 4.0.0 is not supported');
	});
});
