/**
 * The built server compresses pages, page data and event streams for browsers that accept it, and an event
 * stream still delivers each event as it is sent (a stream never ends by itself: the snapshot arriving proves
 * the flush).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFlowdeck, type FlowdeckServer } from '../helpers/flowdeck.ts';
import { testApiUrl } from '../helpers/stack.ts';

describe('compression', () => {
	let flowdeck: FlowdeckServer;

	beforeAll(async () => {
		flowdeck = await startFlowdeck({ PREFECT_API_URL: testApiUrl() });
	});
	afterAll(async () => {
		await flowdeck?.stop();
	});

	const get = (path: string, headers: Record<string, string>) => fetch(`${flowdeck.url}${path}`, { headers });

	it('compresses HTML and JSON as the browser asks, and not when it does not', async () => {
		const brotli = await get('/flows', { accept: 'text/html', 'accept-encoding': 'gzip, deflate, br, zstd' });
		expect(brotli.headers.get('content-encoding')).toBe('br');
		expect(brotli.headers.get('vary')).toMatch(/accept-encoding/i);
		expect(await brotli.text()).toContain('<h1'); // fetch decodes it: the page is whole

		const gzip = await get('/flows/__data.json', { 'accept-encoding': 'gzip' });
		expect(gzip.headers.get('content-encoding')).toBe('gzip');
		expect(await gzip.json()).toHaveProperty('type', 'data');

		const identity = await get('/flows', { accept: 'text/html', 'accept-encoding': 'identity' });
		expect(identity.headers.get('content-encoding')).toBeNull();
		expect(await identity.text()).toContain('<h1');
	});

	it('streams compressed events as they are sent', async () => {
		const controller = new AbortController();
		const response = await fetch(`${flowdeck.url}/events`, { headers: { accept: 'text/event-stream', 'accept-encoding': 'gzip' }, signal: controller.signal });
		expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
		expect(response.headers.get('content-encoding')).toBe('gzip');
		const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
		let text = '';
		while (!text.includes('event: snapshot')) {
			const { value, done } = await reader.read();
			if (done) break;
			text += value;
		}
		expect(text).toContain('event: snapshot');
		controller.abort();
	});
});
