/**
 * A burst of triggers on Prefect-on-PostgreSQL (FLOWDECK_PREFECT_DATABASE=postgres): a stack of its own (the
 * same tests/helpers/start-stack.ts, its own PostgreSQL cluster in a temporary directory), the built UI in front, 15
 * trigger forms submitted at once while streams are open. Every trigger is accepted, every run completes, and
 * nothing exists that a request did not report as created.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PrefectClient } from '#lib/prefect/client.ts';
import { loadRunTree, treeIsFinal } from '#lib/server/run-tree.ts';
import { openSse, type SseConnection } from '../helpers/sse-client.ts';
import { waitFor } from '../../scripts/lib/processes.ts';
import { startTestStack, type TestStack } from '../helpers/start-stack.ts';
import { header, startFlowdeck, Visitor, type FlowdeckServer } from '../helpers/flowdeck.ts';
import { prefect2Only, setupPrefect } from '../helpers/stack.ts';

const TRIGGERS = 15;
let stack: TestStack;
let flowdeck: FlowdeckServer;
let prefect: PrefectClient;

beforeAll(async () => {
	stack = await startTestStack({ workers: 2, database: 'postgres', log: () => {} });
	prefect = setupPrefect(stack.apiUrl);
	flowdeck = await startFlowdeck({ PREFECT_API_URL: stack.apiUrl });
}, 600_000);

afterAll(async () => {
	await flowdeck?.stop();
	await stack?.stop();
}, 120_000);

describe.skipIf(prefect2Only('starts a Prefect 2.13.7 stack of its own on PostgreSQL'))('Prefect on PostgreSQL under a burst of triggers', () => {
	it(`accepts ${TRIGGERS} triggers at once with streams open; every run completes; nothing extra is created`, async () => {
		const deployment = await prefect.deployments.byName('simple-etl-job', 'simple-etl-deployment');
		const tag = `burst-${Date.now().toString(36)}`;
		const streams: SseConnection[] = await Promise.all([
			openSse(`${flowdeck.url}/events`),
			openSse(`${flowdeck.url}/runs/events`),
			openSse(`${flowdeck.url}/runs/events`),
			openSse(`${flowdeck.url}/events`)
		]);
		try {
			const answers = await Promise.all(
				Array.from({ length: TRIGGERS }, () =>
					new Visitor(flowdeck.url).post(`/deployments/${deployment.id}?/run`, { 'param.tables': '2', 'param.seconds': '0.2', 'param.fail_tables': '[]', tags: tag })
				)
			);
			expect(answers.map((answer) => answer.status)).toEqual(Array(TRIGGERS).fill(303));
			const created = answers.map((answer) => header(answer, 'location')!.split('/').pop()!);
			expect(new Set(created).size).toBe(TRIGGERS);

			// Nothing but what was reported: the runs with the burst's tag are exactly the accepted ones.
			const tagged = await prefect.flowRuns.filter({ flow_runs: { tags: { all_: [tag] } } });
			expect(tagged.map((run) => run.id).sort()).toEqual([...created].sort());

			const trees = await waitFor(
				`the ${TRIGGERS} runs and their subflows to finish`,
				async () => {
					const current = await Promise.all(created.map((id) => loadRunTree(prefect, id)));
					return current.every(treeIsFinal) ? current : undefined;
				},
				600_000,
				2000
			);
			const states = trees.flatMap((tree) => [tree.root, ...tree.levels.flat()].map((run) => `${run.name}: ${run.state_type}`));
			expect(states.filter((line) => !line.endsWith(': COMPLETED'))).toEqual([]);
			expect(trees.every((tree) => tree.levels.flat().length === 2)).toBe(true); // two tables each
		} finally {
			streams.forEach((stream) => stream.close());
		}
	}, 900_000); // 15 flow-run processes starting at once on a loaded 2-core machine take minutes
});
