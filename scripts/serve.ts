/**
 * Serves the built app (build/) over plain http. adapter-node assumes https unless a protocol header says
 * otherwise, which would make SvelteKit's CSRF origin check refuse every form POST on http. Served directly,
 * we state the protocol ourselves; behind a proxy, set PROTOCOL_HEADER/HOST_HEADER (docs/authentication.md)
 * and the proxy's headers are used instead.
 */
import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import { resolve } from 'node:path';
import { cliConfig, fail } from './lib/cli.ts';
import { repoRoot } from './lib/python.ts';

const cfg = cliConfig();
const handlerPath = resolve(repoRoot, 'build/handler.js');
if (!existsSync(handlerPath)) fail('build/ is missing: run npm run build first');

const behindProxy = Boolean(process.env.PROTOCOL_HEADER);
if (!behindProxy) process.env.PROTOCOL_HEADER = 'x-flowdeck-protocol';
const { handler } = (await import(handlerPath)) as { handler: (req: unknown, res: unknown, next?: () => void) => void };

const server = createServer((req, res) => {
	if (!behindProxy) req.headers['x-flowdeck-protocol'] = 'http';
	handler(req, res);
});
server.listen(cfg.PORT, cfg.HOST, () => console.log(`Flowdeck UI on http://${cfg.HOST}:${cfg.PORT}`));
const shutdown = () => {
	server.close(() => process.exit(0));
	server.closeAllConnections();
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
