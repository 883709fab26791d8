/**
 * The /runs view in the URL: filters, sort and page parsed from and written to query parameters, so a view
 * can be shared and reloaded; and the Prefect filter it stands for. Unknown or malformed values are dropped.
 */
import { stateLabels } from '#lib/prefect/models.ts';
import { stateTypes, type FlowRunCriteria, type FlowRunFilterBody, type FlowRunSort, type StateType } from '#lib/prefect/schemas.ts';

export const ranges = { '1h': 3600, '24h': 86_400, '7d': 7 * 86_400, '30d': 30 * 86_400 } as const;
export type RangeKey = keyof typeof ranges | 'custom';

export const runSorts = {
	'start-desc': { label: 'Newest start', prefect: 'START_TIME_DESC' },
	'start-asc': { label: 'Oldest start', prefect: 'START_TIME_ASC' },
	'expected-desc': { label: 'Latest scheduled', prefect: 'EXPECTED_START_TIME_DESC' },
	'end-desc': { label: 'Latest end', prefect: 'END_TIME_DESC' },
	'name-asc': { label: 'Name A–Z', prefect: 'NAME_ASC' },
	'name-desc': { label: 'Name Z–A', prefect: 'NAME_DESC' }
} as const satisfies Record<string, { label: string; prefect: FlowRunSort }>;
export type RunSortKey = keyof typeof runSorts;

export const RUNS_PAGE_SIZE = 25;

/** What the state filter offers: every state type, and Late (a Scheduled run past its start, by state name). */
export const stateFilters = [...stateTypes, 'LATE'] as const;
export type StateFilter = (typeof stateFilters)[number];
export const stateFilterLabels: Record<StateFilter, string> = { ...stateLabels, LATE: 'Late' };
const DEFAULT_RANGE = '7d' satisfies RangeKey;
const DEFAULT_SORT: RunSortKey = 'start-desc';

export interface RunsQuery {
	states: StateFilter[];
	flow: string | null;
	deployment: string | null;
	pool: string | null;
	tag: string | null;
	/** Name contains (case-insensitive, Prefect's like_). */
	q: string;
	hideSubflows: boolean;
	range: RangeKey;
	/** Custom range bounds: UTC days (YYYY-MM-DD), `to` inclusive. */
	from: string | null;
	to: string | null;
	sort: RunSortKey;
	/** 1-based. */
	page: number;
}

export const defaultRunsQuery: RunsQuery = {
	states: [],
	flow: null,
	deployment: null,
	pool: null,
	tag: null,
	q: '',
	hideSubflows: false,
	range: DEFAULT_RANGE,
	from: null,
	to: null,
	sort: DEFAULT_SORT,
	page: 1
};

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (value: string): boolean => uuid.test(value);

/**
 * A real calendar day (2024-02-31 is not one: JavaScript would roll it into March) that Prefect can store: Python's
 * datetime holds years 1 to 9999, and the window ends the day after `to`, so years 1 to 9998.
 */
const isDay = (value: string): boolean => {
	if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
	const year = Number(value.slice(0, 4));
	const time = Date.parse(`${value}T00:00:00Z`);
	return year >= 1 && year <= 9998 && !Number.isNaN(time) && new Date(time).toISOString().slice(0, 10) === value;
};
const text = (value: string | null, max = 200): string | null => {
	const trimmed = value?.trim() ?? '';
	return trimmed ? trimmed.slice(0, max) : null;
};
const oneOf = <K extends string>(keys: readonly K[], value: string | null): K | null => ((keys as readonly string[]).includes(value ?? '') ? (value as K) : null);

export function parseRunsQuery(params: URLSearchParams): RunsQuery {
	const states = new Set(params.getAll('state').map((state) => state.toUpperCase()));
	const id = (name: string) => {
		const value = params.get(name);
		return value && isUuid(value) ? value.toLowerCase() : null;
	};
	const from = params.get('from');
	const to = params.get('to');
	const range = oneOf<RangeKey>([...(Object.keys(ranges) as RangeKey[]), 'custom'], params.get('range')) ?? DEFAULT_RANGE;
	const page = Number(params.get('page'));
	return {
		states: stateFilters.filter((state) => states.has(state)),
		flow: id('flow'),
		deployment: id('deployment'),
		pool: text(params.get('pool')),
		tag: text(params.get('tag')),
		q: text(params.get('q')) ?? '',
		hideSubflows: params.get('subflows') === 'hide',
		range,
		from: range === 'custom' && from && isDay(from) ? from : null,
		to: range === 'custom' && to && isDay(to) ? to : null,
		sort: oneOf(Object.keys(runSorts) as RunSortKey[], params.get('sort')) ?? DEFAULT_SORT,
		page: Number.isInteger(page) && page >= 1 && page <= 10_000 ? page : 1
	};
}

/** Only what differs from the defaults, in a stable order: equal views give equal URLs. */
export function serializeRunsQuery(query: RunsQuery): URLSearchParams {
	const params = new URLSearchParams();
	for (const state of query.states) params.append('state', state);
	if (query.flow) params.set('flow', query.flow);
	if (query.deployment) params.set('deployment', query.deployment);
	if (query.pool) params.set('pool', query.pool);
	if (query.tag) params.set('tag', query.tag);
	if (query.q) params.set('q', query.q);
	if (query.hideSubflows) params.set('subflows', 'hide');
	if (query.range !== DEFAULT_RANGE) params.set('range', query.range);
	if (query.range === 'custom' && query.from) params.set('from', query.from);
	if (query.range === 'custom' && query.to) params.set('to', query.to);
	if (query.sort !== DEFAULT_SORT) params.set('sort', query.sort);
	if (query.page !== 1) params.set('page', String(query.page));
	return params;
}

/** The URL of a view, e.g. for pagination links: `runsHref({...query, page: 2})`. */
export function runsHref(query: RunsQuery): string {
	const search = serializeRunsQuery(query).toString();
	return search ? `/runs?${search}` : '/runs';
}

/** The time window a view covers: always bounded below so counts stay cheap. */
export function windowOf(query: RunsQuery, now: Date): { after: string; before: string | null } {
	if (query.range !== 'custom') return { after: new Date(now.getTime() - ranges[query.range] * 1000).toISOString(), before: null };
	const after = query.from ? new Date(`${query.from}T00:00:00Z`) : new Date(now.getTime() - ranges[DEFAULT_RANGE] * 1000);
	const before = query.to ? new Date(Date.parse(`${query.to}T00:00:00Z`) + 86_400_000).toISOString() : null;
	return { after: after.toISOString(), before };
}

/** Prefect's filter for a view (without sort and paging): by expected start, as Prefect's own UI does. */
export function toFlowRunFilter(query: RunsQuery, now: Date): Omit<FlowRunFilterBody, 'sort' | 'limit' | 'offset'> {
	const window = windowOf(query, now);
	return {
		flow_runs: {
			expected_start_time: { after_: window.after, ...(window.before ? { before_: window.before } : {}) },
			...(query.states.length ? { state: stateCriteria(query.states) } : {}),
			...(query.deployment ? { deployment_id: { any_: [query.deployment] } } : {}),
			...(query.tag ? { tags: { all_: [query.tag] } } : {}),
			...(query.q ? { name: { like_: query.q } } : {}),
			...(query.hideSubflows ? { parent_task_run_id: { is_null_: true } } : {})
		},
		...(query.flow ? { flows: { id: { any_: [query.flow] } } } : {}),
		...(query.pool ? { work_pools: { name: { any_: [query.pool] } } } : {})
	};
}

/** Types, or the Late name, or either (Prefect's state filter takes an operator). */
function stateCriteria(states: StateFilter[]): NonNullable<FlowRunCriteria['state']> {
	const types = states.filter((state): state is StateType => state !== 'LATE');
	const byType = { type: { any_: types } };
	if (!states.includes('LATE')) return byType;
	const late = { name: { any_: ['Late'] } };
	return types.length ? { operator: 'or_', ...byType, ...late } : late;
}
