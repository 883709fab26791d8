/** Ctrl-C on a script stops the processes it started and exits 130 (no orphan keeps writing to the terminal). */
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { waitFor } from '../../scripts/lib/processes.ts';
import { spawnScript } from './run-script.ts';

/** Answers Prefect's version, then holds every other request open: the flow stays busy until it is stopped. */
let fakePrefect: Server;
let apiUrl: string;

beforeAll(async () => {
	fakePrefect = createServer((request, response) => {
		if (request.url === '/api/admin/version') response.writeHead(200, { 'content-type': 'application/json' }).end('"2.13.7"');
	});
	await new Promise<void>((resolve) => fakePrefect.listen(0, '127.0.0.1', resolve));
	const address = fakePrefect.address();
	apiUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/api`;
});

afterAll(() => {
	fakePrefect.closeAllConnections();
	fakePrefect.close();
});

const commandLine = (pid: string) => {
	try {
		return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
	} catch {
		return '';
	}
};
const processesRunning = (pattern: string) => readdirSync('/proc').filter((pid) => /^\d+$/.test(pid) && commandLine(pid).includes(pattern));

// The first run may create the flows' Python environment (uv sync): the wait allows for it on a slow machine.
test('Ctrl-C on run:flow stops main_etl.py and exits 130', { timeout: 300_000 }, async () => {
	const marker = `--seconds 7.${process.pid}`; // tells this test's flow apart from any other running here
	const { child, finished } = spawnScript('scripts/run-flow.ts', ['--tables', '1', '--seconds', `7.${process.pid}`], { PREFECT_API_URL: apiUrl });
	const [flow] = await waitFor(
		'main_etl.py to start',
		async () => {
			const found = processesRunning(`main_etl.py --tables 1 ${marker}`);
			return found.length ? found : undefined;
		},
		240_000,
		200
	);
	child.kill('SIGINT');
	const { code, stdout } = await finished;
	expect(code).toBe(130);
	expect(stdout).toContain('SIGINT: stopping…');
	expect(commandLine(flow!)).toBe(''); // gone, not orphaned
});
