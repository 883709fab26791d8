/**
 * Compression of the app's own responses (HTML, JSON, server-sent events) for browsers that accept it; the built
 * assets are precompressed by adapter-node and served as they are. A handle hook, so it works whatever serves the
 * build. Every chunk is flushed as it is written: a streamed page shows its parts and an event reaches the
 * browser as soon as it is sent, compressed or not.
 */
import type { Handle } from '@sveltejs/kit/hooks';
import { Duplex } from 'node:stream';
import { constants, createBrotliCompress, createGzip } from 'node:zlib';

export type Encoding = 'br' | 'gzip';

const COMPRESSIBLE = /^(text\/(html|plain|event-stream|css|csv)|application\/(json|javascript|x-ndjson)|image\/svg\+xml)\b/i;
/** Below this a known-length body gains nothing worth the CPU. */
const MIN_BYTES = 1024;

/** The encoding to use from an Accept-Encoding header: br, else gzip, when accepted (q > 0); null otherwise. */
export function chooseEncoding(acceptEncoding: string | null): Encoding | null {
	if (!acceptEncoding) return null;
	const accepted = new Map<string, number>();
	for (const part of acceptEncoding.split(',')) {
		const [token = '', ...params] = part.trim().toLowerCase().split(';');
		const q = params.map((param) => /^\s*q=([\d.]+)\s*$/.exec(param)?.[1]).find((value) => value !== undefined);
		if (token) accepted.set(token, q === undefined ? 1 : Number(q));
	}
	const weight = (token: Encoding) => accepted.get(token) ?? accepted.get('*') ?? 0;
	if (weight('br') > 0) return 'br';
	if (weight('gzip') > 0) return 'gzip';
	return null;
}

/**
 * Sync flush after every write; brotli at a quality meant for dynamic content (11, the default, is for static files).
 * An event stream lives as long as its page and there may be hundreds: it gets the smallest state that still
 * compresses its repeated JSON well (brotli quality 1 with a 64 KiB window: about 40 KiB per stream instead of
 * 570; gzip with a 4 KiB window: about 100 KiB instead of 230).
 */
function compressor(encoding: Encoding, longLived: boolean) {
	if (encoding === 'gzip') return createGzip({ flush: constants.Z_SYNC_FLUSH, ...(longLived ? { windowBits: 12, memLevel: 4 } : {}) });
	const params = longLived ? { [constants.BROTLI_PARAM_QUALITY]: 1, [constants.BROTLI_PARAM_LGWIN]: 16 } : { [constants.BROTLI_PARAM_QUALITY]: 4 };
	return createBrotliCompress({ flush: constants.BROTLI_OPERATION_FLUSH, params });
}

/** `response` compressed for `request` when the browser accepts it and the body is worth it; otherwise as it is. */
export function compressResponse(request: Request, response: Response): Response {
	const type = response.headers.get('content-type') ?? '';
	if (!COMPRESSIBLE.test(type)) return response;
	const headers = new Headers(response.headers);
	const vary = headers.get('vary');
	if (!vary?.toLowerCase().includes('accept-encoding')) headers.set('vary', vary ? `${vary}, Accept-Encoding` : 'Accept-Encoding');
	const encoding = chooseEncoding(request.headers.get('accept-encoding'));
	const length = headers.get('content-length');
	const skip =
		!encoding ||
		!response.body ||
		request.method === 'HEAD' ||
		headers.has('content-encoding') ||
		response.status === 204 ||
		response.status === 304 ||
		(length !== null && Number(length) < MIN_BYTES);
	if (skip) return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
	headers.set('content-encoding', encoding);
	headers.delete('content-length');
	// A cancelled response (the browser left) cancels the original body through the pipe: streams clean up.
	const body = response.body!.pipeThrough(Duplex.toWeb(compressor(encoding, /^text\/event-stream/i.test(type))) as unknown as TransformStream<Uint8Array, Uint8Array>);
	return new Response(body, { status: response.status, statusText: response.statusText, headers });
}

export const handleCompression: Handle = async ({ event, resolve }) => compressResponse(event.request, await resolve(event));
