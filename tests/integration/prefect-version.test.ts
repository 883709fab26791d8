/**
 * Version detection at connect: the real test server is supported; a server reporting another version (the real
 * server behind a proxy that answers /api/admin/version itself) gets a warning, or a clear refusal on every page.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { startCountingProxy, type CountingProxy } from '../helpers/counting-proxy.ts';
import { freePort } from '../../scripts/lib/processes.ts';
import { startFlowdeck, Visitor, type FlowdeckServer } from '../helpers/flowdeck.ts';
import { prefect2Only, testApiUrl } from '../helpers/stack.ts';

async function flowdeckFor(reportedVersion: string | undefined): Promise<{ proxy: CountingProxy; flowdeck: FlowdeckServer }> {
	const upstream = new URL(testApiUrl());
	const proxy = await startCountingProxy(upstream.origin, await freePort(), (method, path) =>
		reportedVersion !== undefined && method === 'GET' && path === '/api/admin/version' ? { status: 200, json: reportedVersion } : undefined
	);
	const flowdeck = await startFlowdeck({ PREFECT_API_URL: `${proxy.url}/api` });
	return { proxy, flowdeck };
}

describe.skipIf(prefect2Only('asserts the support level of 2.13.7; the 3.x support level comes with the per-version adapters'))('Prefect version detection', () => {
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
		const visitor = await start(undefined);
		const health = JSON.parse((await visitor.get('/healthz')).body) as { prefect: Record<string, unknown> };
		expect(health.prefect).toMatchObject({ reachable: true, version: '2.13.7', supportedVersions: '2.13.x', support: 'supported', error: null });
		const page = await visitor.get('/');
		expect(page.status).toBe(200);
		expect(page.body).not.toContain('prefect-version-notice');
	});

	it('warns on every page for a 3.x server, and the pages still load', async () => {
		const visitor = await start('3.9.1');
		const health = JSON.parse((await visitor.get('/healthz')).body) as { prefect: Record<string, unknown> };
		expect(health.prefect).toMatchObject({ version: '3.9.1', support: 'untested', error: expect.stringContaining('not a version Flowdeck is tested with') });
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
