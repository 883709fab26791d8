import { describe, expect, it } from 'vitest';
import { toStateView, type RunView, type TaskRunView } from '#lib/prefect/models.ts';
import type { StateType } from '#lib/prefect/schemas.ts';
import { buildTimeline, type StateEntry } from '#lib/runs/timeline.ts';

const T0 = Date.parse('2026-01-01T10:00:00Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

function run(id: string, fields: Partial<RunView> & { type: StateType; name?: string }): RunView {
	const { type, name, ...rest } = fields;
	return {
		id,
		name: id,
		flowId: 'f',
		flowName: null,
		deploymentId: null,
		deploymentName: null,
		state: toStateView(type, name),
		stateMessage: null,
		stateTimestamp: null,
		tags: [],
		parameters: {},
		workPool: null,
		workQueue: null,
		infrastructurePid: null,
		isSubflow: true,
		runCount: 1,
		expectedStart: null,
		start: null,
		end: null,
		durationSeconds: 0,
		created: at(0),
		parameterOverflow: null,
		...rest
	};
}

function task(id: string, fields: Partial<TaskRunView> & { type: StateType; name?: string }): TaskRunView {
	const { type, name, ...rest } = fields;
	return { id, name: id, state: toStateView(type, name), tags: [], expectedStart: null, start: null, end: null, stateTimestamp: null, durationSeconds: 0, childRunId: null, ...rest };
}

const entry = (type: StateType, name: string, seconds: number): StateEntry => ({ type, name, timestamp: at(seconds) });

describe('buildTimeline', () => {
	it('splits the root run by its state history: late for a worker, then running', () => {
		const root = run('root', { type: 'COMPLETED', deploymentId: 'd', expectedStart: at(0), start: at(12), end: at(40), stateTimestamp: at(40) });
		const history = [entry('SCHEDULED', 'Scheduled', -5), entry('SCHEDULED', 'Late', 5), entry('PENDING', 'Pending', 10), entry('RUNNING', 'Running', 12), entry('COMPLETED', 'Completed', 40)];
		const row = buildTimeline(root, history, [], [], T0 + 100_000).rows[0]!;
		// Scheduled before its expected start is not waiting; Late and Pending are one wait for a worker.
		expect(row.segments).toEqual([
			{ phase: 'worker', from: T0, to: T0 + 12_000 },
			{ phase: 'running', from: T0 + 12_000, to: T0 + 40_000 }
		]);
		expect(row).toMatchObject({ worker: 12, running: 28, slot: 0, open: false });
	});

	it('counts a tagged task Pending -> Running as waiting for a concurrency slot (2.13.7 keeps it Pending on WAIT)', () => {
		const root = run('root', { type: 'RUNNING', start: at(0), expectedStart: at(0) });
		const tagged = task('t1', { type: 'COMPLETED', tags: ['database'], expectedStart: at(1), start: at(31), end: at(33) });
		const plain = task('t2', { type: 'COMPLETED', expectedStart: at(1), start: at(1.2), end: at(2) });
		const { rows } = buildTimeline(root, [entry('RUNNING', 'Running', 0)], [], [tagged, plain], T0 + 50_000);
		expect(rows.map((row) => row.id)).toEqual(['root', 't1', 't2']);
		expect(rows[1]).toMatchObject({ slot: 30, running: 2, kind: 'task run' });
		expect(rows[2]?.segments[0]?.phase).toBe('waiting');
		expect(rows[2]?.slot).toBe(0);
		// The running root's span ends now, and it says so.
		expect(rows[0]).toMatchObject({ open: true, running: 50 });
	});

	it('orders descendants depth-first by start, and leaves out the task runs that stand for them', () => {
		const root = run('root', { type: 'RUNNING', start: at(0) });
		const phase = run('phase', { type: 'RUNNING', start: at(1), expectedStart: at(1) });
		const late = run('table-2', { type: 'SCHEDULED', name: 'Late', deploymentId: 'd', expectedStart: at(3) });
		const early = run('table-1', { type: 'COMPLETED', deploymentId: 'd', expectedStart: at(2), start: at(4), end: at(6), stateTimestamp: at(6) });
		const rows = [
			{ run: phase, parentId: 'root' },
			{ run: late, parentId: 'phase' },
			{ run: early, parentId: 'phase' }
		];
		const timeline = buildTimeline(root, [], rows, [task('phase-task', { type: 'RUNNING', childRunId: 'phase', start: at(1) })], T0 + 10_000);
		expect(timeline.rows.map((row) => [row.id, row.depth])).toEqual([
			['root', 0],
			['phase', 1],
			['table-1', 2],
			['table-2', 2]
		]);
		// Still Late: waiting for a worker until now.
		expect(timeline.rows[3]).toMatchObject({ worker: 7, running: 0, open: true });
		expect(timeline.rows[2]).toMatchObject({ worker: 2, running: 2, href: '/runs/table-1' });
		expect(timeline.origin).toBe(T0);
		expect(timeline.until).toBe(T0 + 10_000);
	});

	it('shows a retry in place: running until AwaitingRetry, waiting to retry since', () => {
		const root = run('root', { type: 'SCHEDULED', name: 'AwaitingRetry', deploymentId: 'd', expectedStart: at(0), start: at(2), stateTimestamp: at(10) });
		const row = buildTimeline(root, [], [], [], T0 + 15_000).rows[0]!;
		expect(row.segments.map((segment) => [segment.phase, (segment.to - segment.from) / 1000])).toEqual([
			['worker', 2],
			['running', 8],
			['retry', 5]
		]);
	});

	it('extends a history that has not caught up with the live state, and never draws a run scheduled for later', () => {
		const root = run('root', { type: 'PAUSED', deploymentId: 'd', expectedStart: at(0), start: at(1), stateTimestamp: at(20) });
		const row = buildTimeline(root, [entry('PENDING', 'Pending', 0), entry('RUNNING', 'Running', 1)], [], [], T0 + 30_000).rows[0]!;
		expect(row.segments.map((segment) => segment.phase)).toEqual(['worker', 'running', 'paused']);
		expect(row.running).toBe(19);

		const tomorrow = run('later', { type: 'SCHEDULED', deploymentId: 'd', expectedStart: at(86_400) });
		expect(buildTimeline(tomorrow, [], [], [], T0).rows[0]?.segments).toEqual([]);
	});

	it('ends a cancelled run that never started at its cancellation', () => {
		const root = run('root', { type: 'CANCELLED', deploymentId: 'd', expectedStart: at(0), stateTimestamp: at(9), end: null });
		expect(buildTimeline(root, [], [], [], T0 + 60_000).rows[0]).toMatchObject({ worker: 9, open: false });
	});
});
