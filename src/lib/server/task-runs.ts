/** Task runs: a page of a run's task runs (filtered, counted), and one task run's own page. */
import type { PrefectClient } from '#lib/prefect/client.ts';
import { toLogView, toStateChangeView, toTaskRunView, type LogView, type StateChangeView, type TaskRunView } from '#lib/prefect/models.ts';
import { TASK_PAGE_SIZE, toTaskRunFilter, type TaskQuery } from '#lib/runs/task-query.ts';

export interface TaskRunsPage {
	query: TaskQuery;
	tasks: TaskRunView[];
	/** Task runs matching the view. */
	total: number;
	pages: number;
}

/** The page and the count, in parallel. */
export async function loadTaskRunsPage(prefect: PrefectClient, runId: string, query: TaskQuery): Promise<TaskRunsPage> {
	const filter = toTaskRunFilter(runId, query);
	const [tasks, total] = await Promise.all([
		prefect.taskRuns.filter({ ...filter, sort: 'EXPECTED_START_TIME_ASC', limit: TASK_PAGE_SIZE, offset: (query.page - 1) * TASK_PAGE_SIZE }),
		prefect.taskRuns.count(filter)
	]);
	return { query, tasks: tasks.map(toTaskRunView), total, pages: Math.max(1, Math.ceil(total / TASK_PAGE_SIZE)) };
}

export interface TaskInputView {
	/** The argument's name. */
	name: string;
	/** Where its value came from: a flow parameter, another task run's result (linked), or a constant. */
	sources: Array<{ kind: string; taskRunId: string | null; label: string }>;
}

export interface TaskRunPage {
	task: TaskRunView;
	/** null for a task run outside any flow (3.x). */
	flowRunId: string | null;
	flowRunName: string | null;
	taskKey: string;
	runCount: number;
	/** Retries the task was declared with, and the delay between them (seconds). */
	retries: number;
	retryDelaySeconds: number | number[] | null;
	cacheKey: string | null;
	inputs: TaskInputView[];
	states: StateChangeView[];
	logs: LogView[];
	/** More lines exist than shown. */
	logsTruncated: boolean;
}

const TASK_LOG_LINES = 500;

/** The task run, then in parallel its flow run (name), state history and latest log lines. */
export async function loadTaskRunPage(prefect: PrefectClient, id: string): Promise<TaskRunPage> {
	const task = await prefect.taskRuns.get(id);
	const [flowRun, states, logs] = await Promise.all([
		task.flow_run_id ? prefect.flowRuns.get(task.flow_run_id) : null,
		prefect.taskRuns.states(id),
		prefect.logs.filterAll({ logs: { task_run_id: { any_: [id] } }, sort: 'TIMESTAMP_DESC' }, TASK_LOG_LINES)
	]);
	return {
		task: toTaskRunView(task),
		flowRunId: task.flow_run_id,
		flowRunName: flowRun?.name ?? null,
		taskKey: task.task_key,
		runCount: task.run_count,
		retries: task.empirical_policy?.retries ?? 0,
		retryDelaySeconds: task.empirical_policy?.retry_delay ?? null,
		cacheKey: task.cache_key ?? null,
		inputs: Object.entries(task.task_inputs ?? {}).map(([name, sources]) => ({
			name,
			sources: sources.map((source) => ({
				kind: source.input_type,
				taskRunId: source.input_type === 'task_run' ? (source.id ?? null) : null,
				label: source.input_type === 'parameter' ? `flow parameter ${source.name ?? ''}`.trim() : source.input_type === 'task_run' ? 'result of a task run' : source.input_type
			}))
		})),
		states: states.map(toStateChangeView).sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp)),
		logs: logs.map(toLogView).reverse(),
		logsTruncated: logs.length === TASK_LOG_LINES
	};
}
