/**
 * What the run pages change in Prefect: cancel (one run, its descendants, or a selection), run again with the
 * same parameters, and re-run the failed children of a fan-out.
 */
import { fail, type ActionFailure } from '@sveltejs/kit';
import type { PrefectClient } from '#lib/prefect/client.ts';
import { describePrefectError, isPrefectError } from '#lib/prefect/errors.ts';
import type { FlowRun, NewState } from '#lib/prefect/schemas.ts';
import { isUuid } from '#lib/runs/query.ts';
import { isFailedState, isFinalState } from '#lib/prefect/states.ts';
import { fanOutRuns, loadRunTree, type RunTree } from './run-tree.ts';

/** Set-state calls in flight at once: enough to be quick, few enough for a SQLite-backed server. */
const PARALLEL = 8;
export const MAX_SELECTION = 200;

async function inBatches<T, R>(items: T[], work: (item: T) => Promise<R>): Promise<R[]> {
	const results: R[] = [];
	for (let index = 0; index < items.length; index += PARALLEL) results.push(...(await Promise.all(items.slice(index, index + PARALLEL).map(work))));
	return results;
}

/**
 * As Prefect's own UI: CANCELLING (forced), after which the worker stops the process and marks it CANCELLED.
 * A scheduled run no process has picked up has nothing to stop: it goes straight to CANCELLED.
 */
export function cancelStateFor(run: FlowRun): NewState {
	return run.state_type === 'SCHEDULED' && !run.infrastructure_pid ? { type: 'CANCELLED', name: 'Cancelled' } : { type: 'CANCELLING', name: 'Cancelling' };
}

export interface CancelOutcome {
	cancelled: number;
	alreadyFinal: number;
	refused: number;
}

export async function cancelFlowRuns(prefect: PrefectClient, runs: FlowRun[]): Promise<CancelOutcome> {
	const open = runs.filter((run) => !isFinalState(run.state_type) && run.state_type !== 'CANCELLING');
	const results = await inBatches(open, (run) => prefect.flowRuns.setState(run.id, cancelStateFor(run), true));
	const accepted = results.filter((result) => result.status === 'ACCEPT').length;
	return { cancelled: accepted, alreadyFinal: runs.length - open.length, refused: open.length - accepted };
}

export function describeCancel(outcome: CancelOutcome): string {
	const parts = [`Cancelled ${outcome.cancelled} run${outcome.cancelled === 1 ? '' : 's'}`];
	if (outcome.alreadyFinal) parts.push(`${outcome.alreadyFinal} already finished or cancelling`);
	if (outcome.refused) parts.push(`${outcome.refused} refused by Prefect`);
	return `${parts.join('; ')}.`;
}

/** The run, and with `descendants` every subflow and child run below it. */
export async function cancelRun(prefect: PrefectClient, id: string, descendants: boolean): Promise<CancelOutcome> {
	if (!descendants) return cancelFlowRuns(prefect, [await prefect.flowRuns.get(id)]);
	const tree = await loadRunTree(prefect, id);
	return cancelFlowRuns(prefect, [tree.root, ...tree.levels.flat()]);
}

/** Ids from a form's checkboxes (`name="id"`), checked before anything is sent. */
export function selectedIds(form: FormData): { ids: string[] } | { error: string } {
	const ids = [...new Set(form.getAll('id').filter((value): value is string => typeof value === 'string'))];
	if (ids.length === 0) return { error: 'Select at least one run.' };
	if (ids.length > MAX_SELECTION) return { error: `Select at most ${MAX_SELECTION} runs at once.` };
	if (!ids.every(isUuid)) return { error: 'The selection holds an id that is not a run id.' };
	return { ids };
}

export async function cancelSelected(prefect: PrefectClient, ids: string[]): Promise<CancelOutcome> {
	return cancelFlowRuns(prefect, await prefect.flowRuns.filter({ flow_runs: { id: { any_: ids } }, limit: MAX_SELECTION }));
}

/** A new run of the same deployment with the same parameters and tags. */
export async function runAgain(prefect: PrefectClient, id: string): Promise<{ id: string } | { error: string }> {
	const run = await prefect.flowRuns.get(id);
	if (!run.deployment_id) return { error: 'This run has no deployment (it ran in-process), so it cannot be started again from here.' };
	const created = await prefect.deployments.createFlowRun(run.deployment_id, { parameters: run.parameters, tags: run.tags });
	return { id: created.id };
}

export const RERUN_TAG_PREFIX = 'rerun-of:';

/** Fan-out runs (the tables, started from a deployment) that failed or crashed: what a re-run repeats. */
export const failedChildren = (tree: RunTree): FlowRun[] => fanOutRuns(tree).filter((run) => isFailedState(run.state_type));

/**
 * New runs of each failed child's deployment with that child's parameters and tags, tagged `rerun-of:<root id>`
 * so they can be found from the orchestrator's page.
 */
export async function rerunFailedChildren(prefect: PrefectClient, rootId: string): Promise<{ created: string[] }> {
	const failed = failedChildren(await loadRunTree(prefect, rootId));
	const created = await inBatches(failed, (child) =>
		prefect.deployments.createFlowRun(child.deployment_id!, {
			name: child.name,
			parameters: child.parameters,
			tags: [...new Set([...child.tags, `${RERUN_TAG_PREFIX}${rootId}`])]
		})
	);
	return { created: created.map((run) => run.id) };
}

/** A Prefect refusal during an action becomes a form message with its status, never a 500. */
export async function asFormFailure<T>(work: () => Promise<T>): Promise<T | ActionFailure<{ message: string }>> {
	try {
		return await work();
	} catch (error) {
		if (!isPrefectError(error)) throw error;
		const view = describePrefectError(error);
		return fail(view.status, { message: `${view.title}: ${view.message}` });
	}
}
