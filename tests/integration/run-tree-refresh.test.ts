/**
 * The live feed's tree read (refreshRunTree) against a whole read (loadRunTree) on the real Prefect: after what
 * happens to a tree between two reads (a final run set going again, runs ending, subflows that started and ended
 * with children of their own, a run deleted) both give the same tree, and a tree with nothing new costs one call.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrefectClient, type PrefectClient } from '#lib/prefect/client.ts';
import type { FlowRun, StateType } from '#lib/prefect/schemas.ts';
import { loadRunTree, refreshRunTree, type RunTree } from '#lib/server/run-tree.ts';
import { freePort } from '../../scripts/lib/processes.ts';
import { startCountingProxy, type CountingProxy } from '../helpers/counting-proxy.ts';
import { seedPrefect, testApiUrl, testPrefect } from '../helpers/stack.ts';

const prefect = testPrefect();
const stateName = (type: StateType) => type.charAt(0) + type.slice(1).toLowerCase();

describe('live tree reads', () => {
	let flowId: string;
	let proxy: CountingProxy;
	let counted: PrefectClient;

	beforeAll(async () => {
		flowId = (await prefect.flows.create('it-tree-refresh')).id;
		proxy = await startCountingProxy(new URL(testApiUrl()).origin, await freePort());
		counted = createPrefectClient({ apiUrl: `${proxy.url}/api`, readRetries: 5, timeoutMs: 30_000 });
	});
	afterAll(() => proxy?.close());

	/** A flow run in `state`, started from a new task run of `parent` when given (as a subflow is). */
	async function flowRun(state: StateType, parent?: string): Promise<string> {
		const task = parent
			? await seedPrefect<{ id: string }>('POST', '/task_runs/', { flow_run_id: parent, task_key: 'child', dynamic_key: randomUUID(), name: 'child', state: { type: state, name: stateName(state) } })
			: undefined;
		const run = await seedPrefect<FlowRun>('POST', '/flow_runs/', {
			flow_id: flowId,
			name: `it-refresh-${randomUUID().slice(0, 8)}`,
			state: { type: state, name: stateName(state) },
			parent_task_run_id: task?.id ?? null
		});
		return run.id;
	}

	const setState = (id: string, type: StateType) => prefect.flowRuns.setState(id, { type, name: stateName(type) }, true);

	/** What a tree says, whatever the order of runs within a level. */
	const shape = (tree: RunTree) => ({
		root: `${tree.root.id}:${tree.root.state_type}`,
		levels: tree.levels.map((level) => level.map((run) => `${run.id}:${run.state_type}:${tree.parentOf?.get(run.id)}`).sort()),
		truncatedAt: tree.truncatedAt
	});
	const wholeRead = (id: string) => loadRunTree(prefect, id, { withLinks: true });

	async function refreshed(tree: RunTree): Promise<{ tree: RunTree; calls: number }> {
		proxy.reset();
		const next = await refreshRunTree(counted, tree);
		return { tree: next, calls: proxy.count() };
	}

	it('reads a running tree with nothing new in one call, and sees every change a whole read sees', async () => {
		const root = await flowRun('RUNNING');
		const done = await flowRun('COMPLETED', root);
		const phase = await flowRun('RUNNING', root);
		const table = await flowRun('RUNNING', phase);
		const first = await wholeRead(root);
		expect(first.levels.map((level) => level.length)).toEqual([2, 1]);

		const same = await refreshed(first);
		expect(shape(same.tree)).toEqual(shape(first));
		expect(same.calls).toBe(1);

		// Between two reads: a final run set going again (a retry in place), a run ending, a subflow that started and
		// ended with a child of its own, a new run under way.
		await setState(done, 'SCHEDULED');
		await setState(table, 'COMPLETED');
		const ended = await flowRun('COMPLETED', phase);
		const endedChild = await flowRun('COMPLETED', ended);
		const started = await flowRun('RUNNING', root);
		const changed = await refreshed(same.tree);
		expect(shape(changed.tree)).toEqual(shape(await wholeRead(root)));
		expect(changed.tree.levels.map((level) => level.length)).toEqual([3, 2, 1]);
		expect(changed.tree.parentOf?.get(endedChild)).toBe(ended);
		expect(changed.tree.parentOf?.get(started)).toBe(root);

		// A run deleted: the whole tree is read again.
		await prefect.flowRuns.delete(endedChild);
		const afterDelete = await refreshed(changed.tree);
		expect(shape(afterDelete.tree)).toEqual(shape(await wholeRead(root)));
		expect(afterDelete.tree.levels.map((level) => level.length)).toEqual([3, 2]);
	});

	it('reads a final tree in one call, and follows it when a run of it is set going again', async () => {
		const root = await flowRun('COMPLETED');
		const child = await flowRun('FAILED', root);
		const first = await wholeRead(root);
		const same = await refreshed(first);
		expect(shape(same.tree)).toEqual(shape(first));
		expect(same.calls).toBe(1);

		await setState(child, 'SCHEDULED');
		const retried = await refreshed(same.tree);
		expect(retried.tree.levels[0]?.[0]?.state_type).toBe('SCHEDULED');
		// Under way again, it may start subflows: the next read looks for them.
		const grandchild = await flowRun('RUNNING', child);
		const next = await refreshed(retried.tree);
		expect(shape(next.tree)).toEqual(shape(await wholeRead(root)));
		expect(next.tree.parentOf?.get(grandchild)).toBe(child);
	});
});
