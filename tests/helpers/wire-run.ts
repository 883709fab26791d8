/** A flow run as Prefect's API answers it, for unit tests: neutral values, `extra` sets what a test cares about. */
import type { FlowRun, StateType } from '#lib/prefect/schemas.ts';

export function wireRun(id: string, state: StateType | null, extra: Partial<FlowRun> = {}): FlowRun {
	return {
		id,
		name: id,
		created: '',
		updated: '',
		flow_id: 'f',
		deployment_id: null,
		work_queue_name: null,
		parameters: {},
		tags: [],
		parent_task_run_id: null,
		state_type: state,
		state_name: null,
		state: null,
		run_count: 0,
		expected_start_time: null,
		start_time: null,
		end_time: null,
		total_run_time: 0,
		estimated_run_time: 0,
		...extra
	};
}
