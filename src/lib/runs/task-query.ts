/**
 * The task-run view of a run page, kept in the URL (`tstate`, `tname`, `tpage`) so it can be shared and reloaded,
 * and the Prefect filter it stands for. Unknown or malformed values are dropped.
 */
import { stateTypes, type StateType, type TaskRunFilterBody } from '#lib/prefect/schemas.ts';

export const TASK_PAGE_SIZE = 50;

export interface TaskQuery {
	states: StateType[];
	/** Name contains (case-insensitive, Prefect's like_). */
	name: string;
	/** 1-based. */
	page: number;
}

export const defaultTaskQuery: TaskQuery = { states: [], name: '', page: 1 };

export function parseTaskQuery(params: URLSearchParams): TaskQuery {
	const states = new Set(params.getAll('tstate').map((state) => state.toUpperCase()));
	const page = Number(params.get('tpage'));
	return {
		states: stateTypes.filter((state) => states.has(state)),
		name: (params.get('tname') ?? '').trim().slice(0, 200),
		page: Number.isInteger(page) && page >= 1 && page <= 100_000 ? page : 1
	};
}

/** The view's query parameters (only what differs from the defaults), e.g. for the JSON endpoint and page links. */
export function serializeTaskQuery(query: TaskQuery): URLSearchParams {
	const params = new URLSearchParams();
	for (const state of query.states) params.append('tstate', state);
	if (query.name) params.set('tname', query.name);
	if (query.page !== 1) params.set('tpage', String(query.page));
	return params;
}

export const isDefaultTaskQuery = (query: TaskQuery): boolean => serializeTaskQuery(query).toString() === '';

/** The task runs of one flow run matching the view (without sort and paging). */
export function toTaskRunFilter(runId: string, query: TaskQuery): Omit<TaskRunFilterBody, 'sort' | 'limit' | 'offset'> {
	const criteria = {
		...(query.name ? { name: { like_: query.name } } : {}),
		...(query.states.length ? { state: { type: { any_: query.states } } } : {})
	};
	return { flow_runs: { id: { any_: [runId] } }, ...(Object.keys(criteria).length ? { task_runs: criteria } : {}) };
}
