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
import { cliConfig, fail, parseCli, type CliSpec } from './lib/cli.ts';
import { repoRoot } from './lib/python.ts';

const spec = {
	command: 'npm start',
	summary: 'Serve the production build (build/, made by npm run build) on HOST:PORT; docs/deployment.md shows a systemd unit and a reverse proxy.',
	options: {},
	env: ['HOST', 'PORT', 'ORIGIN', 'PREFECT_API_URL', 'PREFECT_API_KEY', 'WORKBENCH_LOGIN_URL'],
	otherEnv: { PROTOCOL_HEADER: 'behind a proxy, instead of ORIGIN: the header with the original protocol', HOST_HEADER: 'the header with the original host' },
	examples: ['ORIGIN=https://flowdeck.example.com PORT=3000 npm start']
} satisfies CliSpec<Record<string, never>>;

parseCli(spec);
const cfg = cliConfig();
const handlerPath = resolve(repoRoot, 'build/handler.js');
if (!existsSync(handlerPath)) fail('build/ is missing: run npm run build first', 1);

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
server.once('error', (error: NodeJS.ErrnoException) => fail(`cannot listen on ${cfg.HOST}:${cfg.PORT}: ${error.code === 'EADDRINUSE' ? 'the port is in use (set PORT)' : error.message}`));
server.listen(cfg.PORT, cfg.HOST, () => console.log(`Flowdeck UI on http://${cfg.HOST}:${cfg.PORT}`));
const shutdown = () => {
	server.close(() => process.exit(0));
	server.closeAllConnections();
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
