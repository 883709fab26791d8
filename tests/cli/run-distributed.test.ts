/**
 * run:distributed against a Prefect whose work pool no worker polls (a stand-in answering what the command asks:
 * the real server cannot be made to lack workers without also lacking the deployment): it says so, and how to
 * start one, keeps following, and --timeout gives up with exit 124.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { runScript } from './run-script.ts';

const now = new Date().toISOString();
const deployment = {
	id: randomUUID(),
	created: now,
	updated: now,
	name: 'distributed-etl-deployment',
	flow_id: randomUUID(),
	tags: [],
	parameters: {},
	work_pool_name: 'default-pool',
	schedule: null,
	is_schedule_active: true
};
const run = {
	id: randomUUID(),
	created: now,
	updated: now,
	name: 'patient-heron',
	flow_id: deployment.flow_id,
	deployment_id: deployment.id,
	work_queue_name: 'default',
	work_pool_name: 'default-pool',
	parameters: { tables: 2, seconds: 1, fail_tables: [] },
	tags: ['flowdeck-cli'],
	parent_task_run_id: null,
	state_type: 'SCHEDULED',
	state_name: 'Late',
	state: { type: 'SCHEDULED', name: 'Late', timestamp: now, state_details: { scheduled_time: now } },
	run_count: 0,
	expected_start_time: now,
	start_time: null,
	end_time: null,
	total_run_time: 0,
	estimated_run_time: 0
};

const answers: Record<string, unknown> = {
	'GET /api/admin/version': '2.13.7',
	'GET /api/deployments/name/distributed-etl-job/distributed-etl-deployment': deployment,
	[`POST /api/deployments/${deployment.id}/create_flow_run`]: run,
	[`GET /api/flow_runs/${run.id}`]: run
};

let prefect: Server;
let apiUrl: string;

beforeAll(async () => {
	// Any other read (children, task runs, logs, names, the pool's workers) finds nothing.
	prefect = createServer((request, response) => {
		const answer = answers[`${request.method} ${request.url}`] ?? (request.method === 'POST' && request.url?.endsWith('/filter') ? [] : undefined);
		if (answer === undefined) return response.writeHead(404, { 'content-type': 'application/json' }).end('{"detail":"Not found"}');
		response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer));
	});
	await new Promise<void>((resolve) => prefect.listen(0, '127.0.0.1', resolve));
	apiUrl = `http://127.0.0.1:${(prefect.address() as AddressInfo).port}/api`;
});

afterAll(() => prefect.close());

test('with no worker polling the pool it says so and how to start one; --timeout gives up with exit 124', { timeout: 120_000 }, async () => {
	const { code, stdout, stderr } = await runScript('scripts/run-distributed.ts', ['--tables', '2', '--seconds', '1', '--timeout', '30'], { PREFECT_API_URL: apiUrl });
	expect(stdout).toContain(`Triggered patient-heron (${run.id})`);
	const hint = stdout.split('\n').filter((line) => line.includes('no worker is polling'));
	expect(hint).toEqual(['! no worker is polling work pool default-pool: the run waits until one does. Start workers in another terminal: npm run workers (still following; Ctrl-C to stop)']);
	expect(stdout.split(hint[0]!)[1], 'it keeps following after the hint').toContain('patient-heron: Late');
	expect(stderr).toBe('✗ gave up after 30 s (--timeout): patient-heron is Late; it goes on in Prefect (cancel it on its Flowdeck page)\n');
	expect(code).toBe(124);
});
