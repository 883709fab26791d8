/** deploy's failure reads once: deploy.py's own reason, then one line saying it failed (no repeated output). */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { runScript } from './run-script.ts';

// A Prefect that answers its version and knows no work pool.
let prefect: Server;
let apiUrl: string;

beforeAll(async () => {
	prefect = createServer((request, response) => {
		if (request.url === '/api/admin/version') return response.writeHead(200, { 'content-type': 'application/json' }).end('"2.13.7"');
		response.writeHead(404, { 'content-type': 'application/json' }).end('{"detail":"Not found"}');
	});
	await new Promise<void>((resolve) => prefect.listen(0, '127.0.0.1', resolve));
	apiUrl = `http://127.0.0.1:${(prefect.address() as AddressInfo).port}/api`;
});

afterAll(() => prefect.close());

// The first run may create the flows' Python environment.
test('a failing deploy prints its reason once and exits non-zero', { timeout: 300_000 }, async () => {
	const { code, stdout, stderr } = await runScript('scripts/deploy.ts', [], { PREFECT_API_URL: apiUrl });
	const output = `${stdout}${stderr}`;
	expect(output.match(/work pool 'default-pool' does not exist/g)).toHaveLength(1);
	expect(stdout).toContain('run npm run prefect:setup first');
	expect(stderr).toBe('✗ python deploy.py failed (exit 2)\n');
	expect(code).toBe(1);
});
