/** The distributed ETL on real process workers: fan-out, waiting, tag concurrency and failure. */
import { describe, expect, it } from 'vitest';
import { ORCHESTRATOR } from '#lib/deployment-names.ts';
import { fanOutRuns } from '#lib/server/run-tree.ts';
import { maxOverlap, testPrefect, waitForFinalTree } from '../helpers/stack.ts';
import { runBudgetMs, testBudgetMs } from '../helpers/timing.ts';

const prefect = testPrefect();
const LIMIT = 3; // PREFECT_CONCURRENCY_LIMIT of the test stack's `database` tag
// 3 s per table: Prefect 3.x's process worker starts its runs about 3 s apart, so 1 s queries could run one after
// another even though the tables ran on both workers at once.
const SIX = { tables: 6, seconds: 3 };
const budget = { timeout: testBudgetMs(runBudgetMs(SIX)) };

async function trigger(parameters: { tables: number; seconds: number; fail_tables: number[] }) {
	const deployment = await prefect.deployments.byName(ORCHESTRATOR.flow, ORCHESTRATOR.deployment);
	return prefect.deployments.createFlowRun(deployment.id, { parameters });
}

describe('distributed ETL on 2 workers', () => {
	it('fans out 6 tables, completes them all, and never runs more than the limit of database tasks at once', budget, async () => {
		const run = await trigger({ ...SIX, fail_tables: [] });
		const tree = await waitForFinalTree(run.id, runBudgetMs(SIX));

		expect(tree.root.state_type).toBe('COMPLETED');
		const phases = tree.levels[0] ?? [];
		expect(phases.map((phase) => phase.name).length).toBe(3);
		const tables = fanOutRuns(tree);
		expect(tables).toHaveLength(6);
		expect(tables.every((child) => child.state_type === 'COMPLETED')).toBe(true);
		expect(new Set(tables.map((child) => child.parameters.table))).toEqual(new Set([1, 2, 3, 4, 5, 6]));

		const tasks = await prefect.taskRuns.filterAll({
			flow_runs: { id: { any_: tables.map((child) => child.id) } },
			task_runs: { tags: { all_: ['database'] } }
		});
		expect(tasks.length).toBeGreaterThanOrEqual(6);
		const intervals = tasks.map((task) => ({ start: Date.parse(task.start_time!), end: Date.parse(task.end_time!) }));
		const most = maxOverlap(intervals);
		expect(most).toBeLessThanOrEqual(LIMIT);
		expect(most).toBeGreaterThanOrEqual(2); // the tables really ran in parallel across workers
	});

	it('ends Failed naming the failing table while the other tables still complete', budget, async () => {
		const run = await trigger({ ...SIX, fail_tables: [2] });
		const tree = await waitForFinalTree(run.id, runBudgetMs(SIX));

		expect(tree.root.state_type).toBe('FAILED');
		expect(tree.root.state?.message ?? '').toMatch(/\b2\b/);
		const tables = fanOutRuns(tree);
		expect(tables).toHaveLength(6);
		const failed = tables.filter((child) => child.state_type !== 'COMPLETED');
		expect(failed.map((child) => child.parameters.table)).toEqual([2]);
		expect(failed[0]?.state_type).toBe('FAILED');
	});
});
