/** The tests' own Prefect client (tests/helpers/stack.ts) re-sends setup calls whose connection was reset. */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { PrefectError } from '#lib/prefect/errors.ts';
import { testPrefect } from '../helpers/stack.ts';

const seen: Array<{ path: string; body: Record<string, unknown> }> = [];
const flow = { id: 'f1', created: '2026-01-01T00:00:00Z', updated: '2026-01-01T00:00:00Z', name: 'etl', tags: [] };

const readBody = async (request: IncomingMessage) => {
	let text = '';
	for await (const chunk of request) text += chunk;
	return text ? (JSON.parse(text) as Record<string, unknown>) : {};
};

// Every first request to a path loses its connection before an answer; the next one is answered.
const server = createServer(async (request, response) => {
	const path = request.url ?? '';
	const body = await readBody(request);
	const first = !seen.some((entry) => entry.path === path);
	seen.push({ path, body });
	if (first) return request.socket.destroy();
	if (path === '/api/flows/') return response.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify(flow));
	response.writeHead(404, { 'content-type': 'application/json' }).end('{"detail":"Deployment not found"}');
});

beforeAll(async () => {
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	process.env.FLOWDECK_TEST_API_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`;
});

afterAll(() => {
	server.close();
	delete process.env.FLOWDECK_TEST_API_URL;
});

test('a write whose connection was reset is sent again and succeeds', async () => {
	expect(await testPrefect().flows.create('etl')).toMatchObject({ id: 'f1' });
	expect(seen.filter((entry) => entry.path === '/api/flows/')).toHaveLength(2);
});

test('a run creation sent again carries the same idempotency key, so Prefect gives the same run', async () => {
	const failure = await testPrefect()
		.deployments.createFlowRun('d1', { parameters: { tables: 1 } })
		.catch((error: unknown) => error);
	expect(failure).toBeInstanceOf(PrefectError);
	expect((failure as PrefectError).kind).toBe('not-found'); // the second attempt's answer, not the reset
	const sent = seen.filter((entry) => entry.path === '/api/deployments/d1/create_flow_run');
	expect(sent).toHaveLength(2);
	expect(sent[0]!.body.idempotency_key).toEqual(expect.any(String));
	expect(sent[1]!.body).toEqual(sent[0]!.body);
	expect(sent[0]!.body.parameters).toEqual({ tables: 1 });
});
