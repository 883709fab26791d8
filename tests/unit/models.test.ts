import { describe, expect, it } from 'vitest';
import { describeSchedule, formatDuration, levelName } from '#lib/format.ts';
import { namesOf, toDurationPoints, toHistoryBucketView, toLogView, toRunView, toTaskRunView, toWorkPoolView } from '#lib/prefect/models.ts';
import type { Deployment, Flow, FlowRun, TaskRun, WorkPool, WorkQueue } from '#lib/prefect/schemas.ts';

const at = '2024-05-10T12:00:00+00:00';
const flow: Flow = { id: 'f1', created: at, updated: at, name: 'distributed-etl-job', tags: [] };
const deployment: Deployment = { id: 'd1', created: at, updated: at, name: 'distributed-etl-deployment', flow_id: 'f1', tags: [], parameters: {}, schedule: null, is_schedule_active: true };

const run: FlowRun = {
	id: 'r1',
	created: at,
	updated: at,
	name: 'clever-fox',
	flow_id: 'f1',
	deployment_id: 'd1',
	work_queue_name: 'default',
	work_pool_name: 'default-pool',
	parameters: { tables: 6 },
	tags: ['etl'],
	parent_task_run_id: null,
	state_type: 'SCHEDULED',
	state_name: 'Late',
	state: { type: 'SCHEDULED', name: 'Late', timestamp: at, message: 'waiting' },
	run_count: 0,
	expected_start_time: at,
	start_time: null,
	end_time: null,
	total_run_time: 0,
	estimated_run_time: 0,
	infrastructure_pid: null
};

describe('wire to view', () => {
	it('maps a flow run with names from the batched lookups', () => {
		expect(toRunView(run, namesOf([flow], [deployment]))).toMatchObject({
			id: 'r1',
			flowName: 'distributed-etl-job',
			deploymentName: 'distributed-etl-deployment',
			state: { type: 'SCHEDULED', name: 'Late' },
			stateMessage: 'waiting',
			workPool: 'default-pool',
			isSubflow: false,
			durationSeconds: 0
		});
		expect(toRunView({ ...run, state_type: null, state_name: null, state: null, parent_task_run_id: 't1', total_run_time: 3, estimated_run_time: 4.5 })).toMatchObject({
			flowName: null,
			state: { type: null, name: 'Unknown' },
			isSubflow: true,
			durationSeconds: 4.5
		});
	});

	it('maps a subflow task run to the child run it stands for', () => {
		const task = {
			id: 't1',
			created: at,
			updated: at,
			name: 'process-table-etl/process-table-etl-deployment',
			flow_run_id: 'r1',
			task_key: 'k',
			dynamic_key: '0',
			tags: [],
			state_type: 'COMPLETED',
			state_name: null,
			state: { type: 'COMPLETED', name: null, timestamp: at, state_details: { child_flow_run_id: 'r2' } },
			run_count: 1,
			expected_start_time: at,
			start_time: at,
			end_time: at,
			total_run_time: 1.2,
			estimated_run_time: 1.2
		} satisfies TaskRun;
		expect(toTaskRunView(task)).toMatchObject({ childRunId: 'r2', state: { type: 'COMPLETED', name: 'Completed' }, durationSeconds: 1.2 });
	});

	it('sums history by state and counts late runs', () => {
		const bucket = toHistoryBucketView({
			interval_start: at,
			interval_end: at,
			states: [
				{ state_type: 'SCHEDULED', state_name: 'Late', count_runs: 2 },
				{ state_type: 'SCHEDULED', state_name: 'Scheduled', count_runs: 1 },
				{ state_type: 'FAILED', state_name: 'Failed', count_runs: 4 }
			]
		});
		expect(bucket.counts).toEqual({ SCHEDULED: 3, FAILED: 4 });
		expect(bucket.late).toBe(2);
	});

	it('orders duration points oldest first and drops runs without a time', () => {
		const points = toDurationPoints([
			{ id: 'b', state_type: 'COMPLETED', timestamp: '2024-05-10T12:00:00Z', duration: 2 },
			{ id: 'x', state_type: 'COMPLETED', timestamp: null, duration: 2 },
			{ id: 'a', state_type: 'FAILED', timestamp: '2024-05-10T11:00:00Z', duration: 1 }
		]);
		expect(points.map((point) => point.id)).toEqual(['a', 'b']);
	});

	it('gives a pool its own queues, by id or name', () => {
		const pool = { id: 'p1', created: at, updated: at, name: 'default-pool', type: 'process', is_paused: false, status: 'READY' } satisfies WorkPool;
		const queue = (name: string, poolId: string, priority: number): WorkQueue => ({ id: name, name, is_paused: false, priority, work_pool_id: poolId });
		const view = toWorkPoolView(pool, [], [queue('low', 'p1', 2), queue('other', 'p2', 1), queue('default', 'p1', 1)]);
		expect(view.queues.map((q) => q.name)).toEqual(['default', 'low']);
		expect(view.status).toBe('ready');
	});

	it('names log levels and formats logs', () => {
		expect([5, 10, 20, 25, 30, 40, 50].map(levelName)).toEqual(['NOTSET', 'DEBUG', 'INFO', 'INFO', 'WARNING', 'ERROR', 'CRITICAL']);
		expect(toLogView({ id: 'l', created: at, name: 'prefect.flow_runs', level: 40, message: 'boom', timestamp: at, flow_run_id: 'r1', task_run_id: null })).toMatchObject({
			level: 'ERROR',
			logger: 'prefect.flow_runs'
		});
	});

	it('makes durations and schedules human', () => {
		expect([0.25, 3.21, 42, 245, 7380, 273_600].map(formatDuration)).toEqual(['250 ms', '3.2 s', '42 s', '4m 05s', '2h 03m', '3d 4h']);
		expect(formatDuration(-1)).toBe('—');
		expect(describeSchedule({ interval: 3600, timezone: 'UTC' })).toBe('every 1h 00m');
		expect(describeSchedule({ cron: '0 * * * *', timezone: 'Europe/Paris' })).toBe('cron 0 * * * * (Europe/Paris)');
		expect(describeSchedule(null)).toBeNull();
	});
});
