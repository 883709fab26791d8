import { describe, expect, it } from 'vitest';
import { toRunView } from '#lib/prefect/models.ts';
import type { FlowRun, StateType } from '#lib/prefect/schemas.ts';
import { TABLE_CHILD } from '#lib/deployment-names.ts';
import { progressOf, summarizeTree, type TreeRow } from '#lib/runs/tree.ts';
import { wireRun } from '../helpers/wire-run.ts';

const etlNames = { flows: new Map([['table-flow', TABLE_CHILD.flow]]), deployments: new Map([['child', TABLE_CHILD.deployment]]) };

function run(id: string, state: StateType | null, extra: Partial<FlowRun> = {}) {
	return toRunView(wireRun(id, state, extra), etlNames);
}

const root = run('root', 'RUNNING', { parameters: { tables: 5 } });
const phases: TreeRow[] = [
	{ run: run('pre', 'COMPLETED', { parent_task_run_id: 't' }), parentId: 'root' },
	{ run: run('fanout', 'RUNNING', { parent_task_run_id: 't' }), parentId: 'root' }
];
const table = (id: string, state: StateType): TreeRow => ({ run: run(id, state, { flow_id: 'table-flow', deployment_id: 'child', parent_task_run_id: 't' }), parentId: 'fanout' });
const foreign = (id: string, state: StateType): TreeRow => ({ run: run(id, state, { deployment_id: 'other', parent_task_run_id: 't' }), parentId: 'fanout' });

describe('run tree from rows', () => {
	it('has no fan-out progress before the first fan-out run exists (and none for a run without fan-out)', () => {
		expect(summarizeTree(root, phases).progress.total).toBe(0);
		expect(summarizeTree(run('solo', 'RUNNING', { parameters: { tables: 20 } }), []).progress.total).toBe(0);
	});

	it('counts fan-out runs against the declared total once they start, and nests them under their phase', () => {
		const rows = [...phases, table('1', 'COMPLETED'), table('2', 'FAILED'), table('3', 'RUNNING')];
		const summary = summarizeTree(root, rows);
		expect(summary.progress).toMatchObject({ total: 5, done: 2, completed: 1, failed: 1, running: 1, pending: 2 });
		expect(summary.unit).toBe('fan-out runs');
		expect(summary.unitCount).toBe(3);
		expect(summary.failedChildren).toBe(1);
		const fanout = summary.nodes.find((node) => node.run.id === 'fanout')!;
		expect(fanout.children.map((node) => node.run.id)).toEqual(['1', '2', '3']);
		expect(fanout.leafStates).toEqual({ COMPLETED: 1, FAILED: 1, RUNNING: 1 });
	});

	it("calls fan-out units tables only for Flowdeck's ETL, runs for any other flow", () => {
		expect(summarizeTree(root, [...phases, table('1', 'COMPLETED')]).progress.noun).toBe('tables');
		const other = summarizeTree(root, [...phases, foreign('1', 'COMPLETED'), foreign('2', 'RUNNING')]);
		expect(other.progress).toMatchObject({ noun: 'runs', total: 2, done: 1 });
	});

	it('counts subflow runs when there is no fan-out', () => {
		const summary = summarizeTree(root, phases);
		expect(summary.unit).toBe('subflow runs');
		expect(summary.unitStates).toEqual({ COMPLETED: 1, RUNNING: 1 });
	});

	it('treats crashed and cancelled as done; cancelled is not a failure to re-run', () => {
		expect(progressOf(['COMPLETED', 'CRASHED', 'CANCELLED', 'SCHEDULED'])).toMatchObject({ total: 4, done: 3, crashed: 1, cancelled: 1, pending: 1 });
		const summary = summarizeTree(root, [...phases, table('1', 'CANCELLED'), table('2', 'CRASHED')]);
		expect(summary.failedChildren).toBe(1);
	});
});
