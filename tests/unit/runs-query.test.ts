import { describe, expect, it } from 'vitest';
import { defaultRunsQuery, parseRunsQuery, runsHref, serializeRunsQuery, toFlowRunFilter, windowOf, type RunsQuery } from '#lib/runs/query.ts';

const flow = '0b0c8a8e-2f43-4a4e-9a57-0d5ad4a1c001';
const deployment = '0b0c8a8e-2f43-4a4e-9a57-0d5ad4a1c002';
const now = new Date('2024-05-10T12:00:00Z');

const full: RunsQuery = {
	states: ['RUNNING', 'FAILED', 'CRASHED'],
	flow,
	deployment,
	pool: 'default-pool',
	tag: 'database',
	q: 'table-00',
	hideSubflows: true,
	range: 'custom',
	from: '2024-05-01',
	to: '2024-05-03',
	sort: 'name-asc',
	page: 3
};

describe('runs view in the URL', () => {
	it('round-trips every field through the URL', () => {
		expect(parseRunsQuery(serializeRunsQuery(full))).toEqual(full);
		expect(parseRunsQuery(serializeRunsQuery(defaultRunsQuery))).toEqual(defaultRunsQuery);
	});

	it('writes nothing for the default view and a canonical URL otherwise', () => {
		expect(runsHref(defaultRunsQuery)).toBe('/runs');
		const params = new URLSearchParams('sort=name-asc&state=FAILED&page=2&state=RUNNING&subflows=hide');
		const canonical = serializeRunsQuery(parseRunsQuery(params)).toString();
		expect(canonical).toBe('state=RUNNING&state=FAILED&subflows=hide&sort=name-asc&page=2');
		expect(serializeRunsQuery(parseRunsQuery(new URLSearchParams(canonical))).toString()).toBe(canonical);
	});

	it('drops unknown and malformed values instead of failing', () => {
		const query = parseRunsQuery(new URLSearchParams('state=BOGUS&state=failed&flow=not-a-uuid&page=-4&sort=sideways&range=1y&from=2024-13-45&flow=&pool=%20'));
		expect(query).toEqual({ ...defaultRunsQuery, states: ['FAILED'] });
	});

	it.each(['0000-01-01', '9999-12-31', '2024-02-31', '2023-02-29', '-0001-01-01', '+020000-01-01'])('drops the day %s, which Prefect cannot store or which does not exist', (day) => {
		const query = parseRunsQuery(new URLSearchParams(`range=custom&from=${encodeURIComponent(day)}&to=${encodeURIComponent(day)}`));
		expect(query.from).toBeNull();
		expect(query.to).toBeNull();
	});

	it('keeps the first and last days Prefect can store', () => {
		const query = parseRunsQuery(new URLSearchParams('range=custom&from=0001-01-01&to=9998-12-31&state=FAILED'));
		expect([query.from, query.to]).toEqual(['0001-01-01', '9998-12-31']);
		expect(windowOf(query, new Date())).toEqual({ after: '0001-01-01T00:00:00.000Z', before: '9999-01-01T00:00:00.000Z' });
	});

	it('ignores from/to unless the range is custom', () => {
		expect(parseRunsQuery(new URLSearchParams('range=24h&from=2024-05-01')).from).toBeNull();
	});

	it('maps a view to Prefect filters, always bounded in time', () => {
		const filter = toFlowRunFilter(full, now);
		expect(filter).toEqual({
			flow_runs: {
				expected_start_time: { after_: '2024-05-01T00:00:00.000Z', before_: '2024-05-04T00:00:00.000Z' },
				state: { type: { any_: ['RUNNING', 'FAILED', 'CRASHED'] } },
				deployment_id: { any_: [deployment] },
				tags: { all_: ['database'] },
				name: { like_: 'table-00' },
				parent_task_run_id: { is_null_: true }
			},
			flows: { id: { any_: [flow] } },
			work_pools: { name: { any_: ['default-pool'] } }
		});
		expect(toFlowRunFilter(defaultRunsQuery, now)).toEqual({ flow_runs: { expected_start_time: { after_: '2024-05-03T12:00:00.000Z' } } });
		expect(windowOf({ ...defaultRunsQuery, range: 'custom' }, now).after).toBe('2024-05-03T12:00:00.000Z');
	});
});
