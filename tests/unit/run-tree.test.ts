import { describe, expect, it } from 'vitest';
import type { FlowRun, StateType } from '#lib/prefect/schemas.ts';
import { expectedFanOut, fanOutRuns, progressOf, treeIsFinal, type RunTree } from '#lib/server/run-tree.ts';

function run(id: string, state: StateType | null, extra: Partial<FlowRun> = {}): FlowRun {
	return {
		id, name: id, created: '', updated: '', flow_id: 'f', deployment_id: null, work_queue_name: null, parameters: {},
		tags: [], parent_task_run_id: null, state_type: state, state_name: state, state: null, run_count: 0,
		expected_start_time: null, start_time: null, end_time: null, total_run_time: 0, estimated_run_time: 0, ...extra
	};
}

const table = (id: string, state: StateType) => run(id, state, { deployment_id: 'child-deployment' });

describe('run tree', () => {
	const phases = [run('pre', 'COMPLETED'), run('fanout', 'RUNNING'), run('final', 'PENDING')];

	it('counts only deployment runs as the fan-out, and the declared total before they exist', () => {
		const early: RunTree = { root: run('root', 'RUNNING', { parameters: { tables: 6 } }), levels: [phases] };
		expect(fanOutRuns(early)).toEqual([]);
		expect(expectedFanOut(early)).toBe(6);
		expect(progressOf(fanOutRuns(early), expectedFanOut(early))).toMatchObject({ total: 6, done: 0, pending: 6 });
	});

	it('sums states: failed, crashed and cancelled count as done and failed', () => {
		const tables = [table('1', 'COMPLETED'), table('2', 'FAILED'), table('3', 'CRASHED'), table('4', 'RUNNING'), table('5', 'SCHEDULED')];
		const tree: RunTree = { root: run('root', 'RUNNING', { parameters: { tables: 5 } }), levels: [phases, tables] };
		expect(progressOf(fanOutRuns(tree), expectedFanOut(tree))).toMatchObject({ total: 5, done: 3, completed: 1, failed: 2, running: 1, pending: 1 });
		expect(treeIsFinal(tree)).toBe(false);
	});

	it('is final only when the root and every descendant are', () => {
		const done = [table('1', 'COMPLETED')];
		expect(treeIsFinal({ root: run('root', 'COMPLETED'), levels: [[run('p', 'COMPLETED')], done] })).toBe(true);
		expect(treeIsFinal({ root: run('root', 'COMPLETED'), levels: [[run('p', 'RUNNING')], done] })).toBe(false);
	});
});
