/**
 * Serves the built app (build/) over plain http. SvelteKit's CSRF check compares a form post's Origin header with
 * the request's origin, which adapter-node derives from a protocol header (https when absent) and Host. So:
 * - ORIGIN set (e.g. https://flowdeck.example.com behind a TLS proxy): every request has that origin;
 * - PROTOCOL_HEADER (and HOST_HEADER) set: the proxy's headers are used, as adapter-node documents;
 * - neither: this server states http itself, with the Host header the browser sent.
 * docs/authentication.md explains the choices.
 */
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { resolve } from 'node:path';
import { cliConfig, fail } from './lib/cli.ts';
import { repoRoot } from './lib/python.ts';

const cfg = cliConfig();
const handlerPath = resolve(repoRoot, 'build/handler.js');
if (!existsSync(handlerPath)) fail('build/ is missing: run npm run build first');

const origin = cfg.ORIGIN ? new URL(cfg.ORIGIN) : undefined;
const behindProxy = !origin && Boolean(process.env.PROTOCOL_HEADER);
if (!behindProxy) process.env.PROTOCOL_HEADER = 'x-flowdeck-protocol';
if (origin) process.env.HOST_HEADER = 'x-flowdeck-host';
const { handler } = (await import(handlerPath)) as { handler: (req: unknown, res: unknown, next?: () => void) => void };

const server = createServer((req, res) => {
	// Set on every request, overwriting anything a client sent under these names.
	if (origin) {
		req.headers['x-flowdeck-protocol'] = origin.protocol.replace(':', '');
		req.headers['x-flowdeck-host'] = origin.host;
	} else if (!behindProxy) {
		req.headers['x-flowdeck-protocol'] = 'http';
	}
	handler(req, res);
});
server.listen(cfg.PORT, cfg.HOST, () => console.log(`Flowdeck UI on http://${cfg.HOST}:${cfg.PORT}`));
const shutdown = () => {
	server.close(() => process.exit(0));
	server.closeAllConnections();
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
