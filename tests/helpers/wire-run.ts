/** Flow and task runs as Prefect's API answers them, for unit tests: neutral values, `extra` sets what a test cares about. */
import type { FlowRun, StateType, TaskRun } from '#lib/prefect/schemas.ts';

/** The fields flow runs and task runs share. */
const runFields = (id: string, state: StateType | null) => ({
	id,
	name: id,
	created: '',
	updated: '',
	tags: [],
	state_type: state,
	state_name: null,
	state: null,
	expected_start_time: null,
	start_time: null,
	end_time: null,
	total_run_time: 0,
	estimated_run_time: 0
});

export function wireRun(id: string, state: StateType | null, extra: Partial<FlowRun> = {}): FlowRun {
	return { ...runFields(id, state), flow_id: 'f', deployment_id: null, work_queue_name: null, parameters: {}, parent_task_run_id: null, run_count: 0, ...extra };
}

export function wireTaskRun(id: string, state: StateType | null, extra: Partial<TaskRun> = {}): TaskRun {
	return { ...runFields(id, state), flow_run_id: null, task_key: 'k', dynamic_key: '0', run_count: 1, ...extra };
}
