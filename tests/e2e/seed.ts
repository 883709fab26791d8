/**
 * Runs the browser tests look at, created once per Playwright worker on the real stack through the typed
 * client: a completed task-parallel run, a fan-out with two failed tables, and a run scheduled for tomorrow.
 * Small on purpose (1-4 tables of 1 s) so the suite stays quick on shared cores.
 */
import { randomUUID } from 'node:crypto';
import { ORCHESTRATOR, TASK_PARALLEL } from '#lib/deployment-names.ts';
import type { FlowRun, NewFlowRun, StateType } from '#lib/prefect/schemas.ts';
import type { RunTree } from '#lib/server/run-tree.ts';
import { waitFor } from '../../scripts/lib/processes.ts';
import { testPrefect, waitForFinalTree } from '../helpers/stack.ts';
import { runBudgetMs, testBudgetMs } from '../helpers/timing.ts';

/** A tag only this test's runs carry, so a view of them is exact whatever else is on the server. */
export const uniqueTag = (what: string) => `e2e-${what}-${randomUUID().slice(0, 8)}`;

export async function startRun(which: { flow: string; deployment: string }, run: NewFlowRun): Promise<FlowRun> {
	const prefect = testPrefect();
	const deployment = await prefect.deployments.byName(which.flow, which.deployment);
	return prefect.deployments.createFlowRun(deployment.id, run);
}

export const tomorrow = () => ({ type: 'SCHEDULED' as const, state_details: { scheduled_time: new Date(Date.now() + 86_400_000).toISOString() } });

export function startTaskParallel(parameters: { tables: number; seconds: number; fail_tables?: number[] }, extra: Omit<NewFlowRun, 'parameters'> = {}) {
	return startRun(TASK_PARALLEL, { parameters: { fail_tables: [], ...parameters }, ...extra });
}

export function startFanOut(parameters: { tables: number; seconds: number; fail_tables: number[] }, extra: Omit<NewFlowRun, 'parameters'> = {}) {
	return startRun(ORCHESTRATOR, { parameters, ...extra });
}

export async function waitForState(runId: string, states: StateType[], timeoutMs = 120_000): Promise<FlowRun> {
	const prefect = testPrefect();
	return waitFor(
		`run ${runId} to be ${states.join(' or ')}`,
		async () => {
			const run = await prefect.flowRuns.get(runId);
			return run.state_type && states.includes(run.state_type) ? run : undefined;
		},
		timeoutMs,
		500
	);
}

export interface Seeded {
	completed: FlowRun;
	fanOut: RunTree;
	scheduled: FlowRun;
	tag: string;
}

let seeded: Promise<Seeded> | undefined;

const SEED_RUNS = { completed: { tables: 2, seconds: 1 }, fanOut: { tables: 4, seconds: 1, fail_tables: [2, 4] } };

/** The timeout of a hook or test that calls seed(): the seeded runs finish side by side. */
export const seedBudgetMs = testBudgetMs(Math.max(runBudgetMs(SEED_RUNS.completed), runBudgetMs(SEED_RUNS.fanOut)));

/** Started one after the other, then awaited together; the same runs for every spec of this worker. */
export function seed(): Promise<Seeded> {
	seeded ??= (async () => {
		const tag = uniqueTag('seed');
		const completed = await startTaskParallel(SEED_RUNS.completed, { tags: [tag] });
		const fanOut = await startFanOut(SEED_RUNS.fanOut, { tags: [tag] });
		const scheduled = await startTaskParallel({ tables: 1, seconds: 1 }, { tags: [tag], state: tomorrow() });
		const [completedTree, fanOutTree] = await Promise.all([waitForFinalTree(completed.id, runBudgetMs(SEED_RUNS.completed)), waitForFinalTree(fanOut.id, runBudgetMs(SEED_RUNS.fanOut))]);
		return { completed: completedTree.root, fanOut: fanOutTree, scheduled, tag };
	})();
	return seeded;
}
