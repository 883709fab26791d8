/**
 * Shared reads on the built server (FLOWDECK_SHARED_READS=on, the default): many people loading the same page at
 * once cost Prefect about one page's reads, counted by a proxy in front of the real Prefect.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCountingProxy, type CountingProxy } from '../../bench/counting-proxy.ts';
import { freePort, sleep } from '../../scripts/lib/processes.ts';
import { startFlowdeck, Visitor, type FlowdeckServer } from '../helpers/flowdeck.ts';
import { testApiUrl } from '../helpers/stack.ts';

let proxy: CountingProxy;
let flowdeck: FlowdeckServer;

beforeAll(async () => {
	proxy = await startCountingProxy(new URL(testApiUrl()).origin, await freePort());
	flowdeck = await startFlowdeck({ PREFECT_API_URL: `${proxy.url}/api` });
});
afterAll(async () => {
	await flowdeck?.stop();
	await proxy?.close();
});

describe('shared reads', () => {
	it('serves 10 simultaneous loads of one page with far fewer upstream reads than 10 separate loads', async () => {
		const visitor = new Visitor(flowdeck.url);
		proxy.reset();
		expect((await visitor.get('/deployments')).status).toBe(200);
		const onePage = proxy.count();
		expect(onePage).toBeGreaterThan(0);

		await sleep(1500); // what the first load left to share has expired
		proxy.reset();
		const pages = await Promise.all(Array.from({ length: 10 }, () => new Visitor(flowdeck.url).get('/deployments')));
		expect(pages.map((page) => page.status)).toEqual(Array(10).fill(200));
		// Identical reads in flight at once are made once: far below 10 pages' worth (even on a slow machine
		// where some loads start after the first answers have expired).
		expect(proxy.count()).toBeLessThanOrEqual(onePage * 5);
	});
});
