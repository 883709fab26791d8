import { Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { chooseEncoding, compressResponse } from '#lib/server/compression.ts';

const request = (acceptEncoding?: string, method = 'GET') => new Request('http://flowdeck.test/', { method, headers: acceptEncoding ? { 'accept-encoding': acceptEncoding } : {} });

/** The decoded text of `body` as it arrives, chunk by chunk. */
function decoded(body: ReadableStream<Uint8Array>, encoding: string) {
	const decoder = encoding === 'br' ? createBrotliDecompress() : createGunzip();
	const chunks: string[] = [];
	Readable.fromWeb(body as import('node:stream/web').ReadableStream<Uint8Array>)
		.pipe(decoder)
		.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
	return { text: () => chunks.join(''), done: new Promise((resolve) => decoder.on('end', resolve)) };
}

const until = async (condition: () => boolean) => {
	for (let i = 0; i < 500 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 10));
	return condition();
};

describe('chooseEncoding', () => {
	it('prefers br, then gzip, honouring q=0 and *', () => {
		expect(chooseEncoding('gzip, deflate, br, zstd')).toBe('br');
		expect(chooseEncoding('gzip, deflate')).toBe('gzip');
		expect(chooseEncoding('br;q=0, gzip;q=0.5')).toBe('gzip');
		expect(chooseEncoding('*')).toBe('br');
		expect(chooseEncoding('identity')).toBeNull();
		expect(chooseEncoding('gzip;q=0')).toBeNull();
		expect(chooseEncoding(null)).toBeNull();
	});
});

describe('compressResponse', () => {
	const html = '<!doctype html>' + '<p>a row of the table</p>'.repeat(200);

	it('compresses HTML and JSON for a browser that accepts it, and says so', async () => {
		for (const encoding of ['gzip', 'br']) {
			const response = compressResponse(request(`${encoding}`), new Response(html, { headers: { 'content-type': 'text/html', 'content-length': String(html.length) } }));
			expect(response.headers.get('content-encoding')).toBe(encoding);
			expect(response.headers.get('content-length')).toBeNull();
			expect(response.headers.get('vary')).toContain('Accept-Encoding');
			const body = decoded(response.body!, encoding);
			await body.done;
			expect(body.text()).toBe(html);
		}
		const json = compressResponse(request('gzip'), Response.json({ rows: Array.from({ length: 100 }, (_, id) => ({ id })) }));
		expect(json.headers.get('content-encoding')).toBe('gzip');
	});

	it('leaves alone what the browser does not accept, small bodies, HEAD, images and already encoded bodies', () => {
		const plain = (headers: Record<string, string>, body: string | null = html) => new Response(body, { headers });
		expect(compressResponse(request(), plain({ 'content-type': 'text/html' })).headers.get('content-encoding')).toBeNull();
		expect(compressResponse(request('gzip'), plain({ 'content-type': 'text/html', 'content-length': '10' }, 'small body')).headers.get('content-encoding')).toBeNull();
		expect(compressResponse(request('gzip', 'HEAD'), plain({ 'content-type': 'text/html' }, null)).headers.get('content-encoding')).toBeNull();
		expect(compressResponse(request('gzip'), plain({ 'content-type': 'image/png' })).headers.get('content-encoding')).toBeNull();
		expect(compressResponse(request('gzip'), plain({ 'content-type': 'text/html', 'content-encoding': 'br' })).headers.get('content-encoding')).toBe('br');
	});

	it('delivers each server-sent event as soon as it is written', async () => {
		for (const encoding of ['gzip', 'br']) {
			let source!: ReadableStreamDefaultController<Uint8Array>;
			const events = new ReadableStream<Uint8Array>({ start: (controller) => void (source = controller) });
			const response = compressResponse(request(encoding), new Response(events, { headers: { 'content-type': 'text/event-stream; charset=utf-8' } }));
			expect(response.headers.get('content-encoding')).toBe(encoding);
			const body = decoded(response.body!, encoding);
			source.enqueue(new TextEncoder().encode('id: 1\nevent: snapshot\ndata: {"a":1}\n\n'));
			expect(await until(() => body.text().includes('data: {"a":1}'))).toBe(true);
			source.enqueue(new TextEncoder().encode('id: 2\nevent: page\ndata: {"a":2}\n\n'));
			expect(await until(() => body.text().includes('data: {"a":2}'))).toBe(true);
			source.close();
			await body.done;
		}
	});

	it('cancels the original stream when the compressed one is cancelled', async () => {
		let cancelled = false;
		const events = new ReadableStream<Uint8Array>({ cancel: () => void (cancelled = true) });
		const response = compressResponse(request('gzip'), new Response(events, { headers: { 'content-type': 'text/event-stream' } }));
		await response.body!.cancel();
		expect(await until(() => cancelled)).toBe(true);
	});
});
