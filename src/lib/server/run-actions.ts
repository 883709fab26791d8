/**
 * What the run pages change in Prefect: cancel (one run, its descendants, or a selection), mark a run as a final
 * state, run again with the same parameters, and re-run the failed children of a fan-out.
 */
import { fail, type ActionFailure } from '@sveltejs/kit';
import type { PrefectClient } from '#lib/prefect/client.ts';
import { describePrefectError, isPrefectError } from '#lib/prefect/errors.ts';
import type { FlowRun, NewState } from '#lib/prefect/schemas.ts';
import { isUuid } from '#lib/runs/query.ts';
import { isFailedState, isFinalState } from '#lib/prefect/states.ts';
import { processAncestors, runsWithoutExecutor } from './run-health.ts';
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
 * A scheduled run no process has picked up has nothing to stop, and a run no one executes any more (its process
 * is gone, no worker of its pool is online, or it is a subflow of such a run) would stay CANCELLING for good:
 * both go straight to CANCELLED.
 */
export function cancelStateFor(run: FlowRun, executorGone?: string): NewState {
	if (run.state_type === 'SCHEDULED' && !run.infrastructure_pid) return { type: 'CANCELLED', name: 'Cancelled' };
	if (executorGone) return { type: 'CANCELLED', name: 'Cancelled', message: `Cancelled by Flowdeck without a worker: ${executorGone}.` };
	return { type: 'CANCELLING', name: 'Cancelling' };
}

export interface CancelOutcome {
	cancelled: number;
	alreadyFinal: number;
	refused: number;
	/** The tree's size bound, when the run had more descendants than were cancelled. */
	truncatedAt?: number | null;
}

/**
 * Cancels the runs that are not final. A run already CANCELLING is cancelled again only when no one can finish
 * it: that completes a cancellation left hanging. `parentOf` (a tree's links) lets subflows find their process;
 * with `only`, just those runs change and the others (ancestors) only inform.
 */
export async function cancelFlowRuns(prefect: PrefectClient, runs: FlowRun[], parentOf?: Map<string, string>, only?: Set<string>): Promise<CancelOutcome> {
	const gone = await runsWithoutExecutor(prefect, runs, { parentOf });
	const targets = only ? runs.filter((run) => only.has(run.id)) : runs;
	const open = targets.filter((run) => !isFinalState(run.state_type) && (run.state_type !== 'CANCELLING' || gone.has(run.id)));
	const results = await inBatches(open, (run) => prefect.flowRuns.setState(run.id, cancelStateFor(run, gone.get(run.id)), true));
	const accepted = results.filter((result) => result.status === 'ACCEPT').length;
	return { cancelled: accepted, alreadyFinal: targets.length - open.length, refused: open.length - accepted };
}

export function describeCancel(outcome: CancelOutcome): string {
	const parts = [`Cancelled ${outcome.cancelled} run${outcome.cancelled === 1 ? '' : 's'}`];
	if (outcome.alreadyFinal) parts.push(`${outcome.alreadyFinal} already finished or cancelling`);
	if (outcome.refused) parts.push(`${outcome.refused} refused by Prefect`);
	if (outcome.truncatedAt) parts.push(`the run has more than ${outcome.truncatedAt} descendants: cancel again for the rest`);
	return `${parts.join('; ')}.`;
}

/** The run, and with `descendants` every subflow and child run below it. */
export async function cancelRun(prefect: PrefectClient, id: string, descendants: boolean): Promise<CancelOutcome> {
	const tree = await loadRunTree(prefect, id, { withLinks: true, maxRuns: descendants ? undefined : 0 });
	const ancestors = await processAncestors(prefect, tree.root);
	const parentOf = new Map([...(tree.parentOf ?? []), ...ancestors.parentOf]);
	const targets = new Set([tree.root.id, ...tree.levels.flat().map((run) => run.id)]);
	return { ...(await cancelFlowRuns(prefect, [tree.root, ...tree.levels.flat(), ...ancestors.runs], parentOf, targets)), truncatedAt: tree.truncatedAt };
}

/** Final states a run can be marked as by hand (the form field `state` of the `markAs` action). */
export const MARKABLE_STATES = ['COMPLETED', 'FAILED', 'CANCELLED', 'CRASHED'] as const;
export type MarkableState = (typeof MARKABLE_STATES)[number];
const MARK_NAMES: Record<MarkableState, string> = { COMPLETED: 'Completed', FAILED: 'Failed', CANCELLED: 'Cancelled', CRASHED: 'Crashed' };
export const MAX_MARK_MESSAGE = 500;

/**
 * The `markAs` form action of /runs/[id]: form fields `state` (COMPLETED, FAILED, CANCELLED or CRASHED) and an
 * optional `message`. Forces the run into that state; subflows that ran inside its process and are not final
 * get the same state (their process is the one being declared over). Bad input is a 400, Prefect's refusal a
 * form message.
 */
export async function markRunAs(prefect: PrefectClient, id: string, form: FormData) {
	const state = String(form.get('state') ?? '').trim().toUpperCase();
	const message = String(form.get('message') ?? '').trim();
	if (!(MARKABLE_STATES as readonly string[]).includes(state)) return fail(400, { message: `Choose a state to mark the run as: ${MARKABLE_STATES.join(', ')}.` });
	if (message.length > MAX_MARK_MESSAGE) return fail(400, { message: `The message can be at most ${MAX_MARK_MESSAGE} characters.` });
	const type = state as MarkableState;
	const newState: NewState = { type, name: MARK_NAMES[type], message: message || `Marked ${MARK_NAMES[type]} in Flowdeck.` };
	return asFormFailure(async () => {
		const tree = await loadRunTree(prefect, id, { withLinks: true });
		const result = await prefect.flowRuns.setState(id, newState, true);
		if (result.status !== 'ACCEPT') return fail(409, { message: `Prefect did not accept ${MARK_NAMES[type]}: ${result.details?.reason ?? result.status}.` });
		const inProcess = inProcessDescendants(tree).filter((run) => !isFinalState(run.state_type));
		const followers = await inBatches(inProcess, (run) => prefect.flowRuns.setState(run.id, { ...newState, message: `${newState.message} (it ran inside ${tree.root.name})` }, true));
		const also = followers.filter((follower) => follower.status === 'ACCEPT').length;
		return { message: `Marked ${tree.root.name} ${MARK_NAMES[type]}${also ? ` with ${also} subflow${also === 1 ? '' : 's'} that ran in its process` : ''}.` };
	});
}

/** Descendants that ran inside the root's process: subflows without a deployment, reached through such subflows only. */
function inProcessDescendants(tree: RunTree): FlowRun[] {
	const inside = new Set([tree.root.id]);
	const found: FlowRun[] = [];
	for (const run of tree.levels.flat()) {
		const parent = tree.parentOf?.get(run.id);
		if (run.deployment_id || run.infrastructure_pid || !parent || !inside.has(parent)) continue;
		inside.add(run.id);
		found.push(run);
	}
	return found;
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
