/**
 * A loopback HTTP proxy in front of Prefect that counts the requests passing through it; `answer` may answer a
 * request itself (e.g. to stand for another server version) instead of forwarding it.
 */
import { createServer, request as httpRequest, type Server } from 'node:http';

export interface CountingProxy {
	url: string;
	count: () => number;
	/** Requests per "METHOD /path" (ids shown as {id}), most first. */
	byPath: () => [string, number][];
	reset: () => void;
	close: () => Promise<void>;
}

export type ProxyAnswer = (method: string, path: string) => { status: number; json: unknown } | undefined;

export async function startCountingProxy(target: string, port: number, answer?: ProxyAnswer): Promise<CountingProxy> {
	const upstream = new URL(target);
	let requests = 0;
	const paths = new Map<string, number>();
	const server: Server = createServer((req, res) => {
		requests++;
		const path = `${req.method} ${(req.url ?? '/').split('?')[0]!.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '{id}')}`;
		paths.set(path, (paths.get(path) ?? 0) + 1);
		const own = answer?.(req.method ?? 'GET', req.url ?? '/');
		if (own) {
			res.writeHead(own.status, { 'content-type': 'application/json' });
			res.end(JSON.stringify(own.json));
			return;
		}
		const forward = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host } }, (answer) => {
			res.writeHead(answer.statusCode ?? 502, answer.headers);
			answer.pipe(res);
		});
		forward.on('error', () => {
			res.writeHead(502);
			res.end();
		});
		req.pipe(forward);
	});
	server.keepAliveTimeout = 30_000;
	await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
	return {
		url: `http://127.0.0.1:${port}`,
		count: () => requests,
		byPath: () => [...paths].sort(([, a], [, b]) => b - a),
		reset: () => {
			requests = 0;
			paths.clear();
		},
		// Kept-alive connections too: a closed proxy must look like a stopped server.
		close: () =>
			new Promise((resolve) => {
				server.close(() => resolve());
				server.closeAllConnections();
			})
	};
}
