/**
 * What the run pages change in Prefect: cancel (one run, its descendants, a selection or a whole view), resume,
 * retry in place, mark as a final state, delete, run again with the same parameters, and re-run or retry the
 * failed children of a fan-out.
 */
import { fail } from '@sveltejs/kit';
import type { PrefectClient } from '#lib/prefect/client.ts';
import { isPrefectError } from '#lib/prefect/errors.ts';
import type { FlowRun, NewState } from '#lib/prefect/schemas.ts';
import { isUuid, toFlowRunFilter, type RunsQuery } from '#lib/runs/query.ts';
import { isFailedState, isFinalState, isRetryableState } from '#lib/prefect/states.ts';
import { asFormFailure } from './form-actions.ts';
import { mapBounded } from './bounded.ts';
import { processAncestors, runsWithoutExecutor } from './run-health.ts';
import { fanOutRuns, loadRunTree, type RunTree } from './run-tree.ts';

/** Set-state calls in flight at once: enough to be quick, few enough for a SQLite-backed server. */
const PARALLEL = 8;
export const MAX_SELECTION = 200;

const inBatches = <T, R>(items: T[], work: (item: T) => Promise<R>): Promise<R[]> => mapBounded(items, work, PARALLEL);

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
	const state = String(form.get('state') ?? '')
		.trim()
		.toUpperCase();
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

// ---- confirmation: a second submit carrying `confirmed=yes` (the page shows a confirm step without JS, a dialog with it) ----

export interface ConfirmStep {
	confirm: {
		message: string;
		/** The button that confirms, e.g. "Delete 3 runs". */
		label: string;
		/** Where the confirming form posts: the same action, with the page's query (a /runs view). */
		action: string;
		/** The first submit's fields, sent again with `confirmed=yes`. */
		fields: Array<[string, string]>;
	};
}

export const isConfirmed = (form: FormData): boolean => form.get('confirmed') === 'yes';

/** What the page needs to ask "are you sure?" and post the same form again. */
export function confirmStep(form: FormData, url: URL, message: string, label: string): ConfirmStep {
	const fields = [...form].filter((entry): entry is [string, string] => typeof entry[1] === 'string' && entry[0] !== 'confirmed');
	return { confirm: { message, label, action: `${url.pathname}${url.search}`, fields } };
}

const plural = (count: number, one: string, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;

// ---- one run ----

/** Prefect's resume endpoint: the run leaves Paused (to Running, or Scheduled "Resuming" when it gave up its process). */
export async function resumeRun(prefect: PrefectClient, id: string): Promise<{ message: string } | { error: string }> {
	const run = await prefect.flowRuns.get(id);
	if (run.state_type !== 'PAUSED') return { error: `The run is ${run.state_name ?? run.state_type}, not Paused: there is nothing to resume.` };
	const result = await prefect.flowRuns.resume(id);
	if (result.status !== 'ACCEPT') return { error: `Prefect did not resume the run: ${result.details?.reason ?? result.status}.` };
	return { message: `Resumed: the run is ${result.state?.name ?? 'on its way'}.` };
}

/** Failed, crashed or cancelled, from a deployment: what a retry in place applies to. */
export const canRetryInPlace = (run: Pick<FlowRun, 'state_type' | 'deployment_id'>): boolean => run.deployment_id !== null && isRetryableState(run.state_type);

/**
 * As Prefect's UI "Retry": the same run goes back to Scheduled "AwaitingRetry" and a worker runs it again, so it
 * keeps its id and its place in the tree. Not forced: Prefect's terminal-state rule does the bookkeeping
 * (run count, pause keys) and refuses a run without a deployment or a completed run with a persisted result.
 */
function retryState(): NewState {
	return { type: 'SCHEDULED', name: 'AwaitingRetry', message: 'Retried in place from Flowdeck' };
}

export async function retryInPlace(prefect: PrefectClient, id: string): Promise<{ message: string } | { error: string }> {
	const run = await prefect.flowRuns.get(id);
	if (!canRetryInPlace(run))
		return {
			error: run.deployment_id
				? `The run is ${run.state_name ?? run.state_type}: only a failed, crashed or cancelled run can be retried.`
				: 'This run has no deployment (it ran inside its parent), so no worker can retry it.'
		};
	const result = await prefect.flowRuns.setState(id, retryState());
	if (result.status !== 'ACCEPT') return { error: `Prefect refused the retry: ${result.details?.reason ?? result.status}.` };
	return { message: 'Retrying in place: the run is AwaitingRetry until a worker picks it up.' };
}

/** Each failed fan-out child back to AwaitingRetry: the same runs, in the same tree, run again by the workers. */
export async function retryFailedChildrenInPlace(prefect: PrefectClient, rootId: string): Promise<{ message: string }> {
	const failed = failedChildren(await loadRunTree(prefect, rootId));
	return { message: failed.length ? await retryRuns(prefect, failed) : 'No failed children to retry.' };
}

// ---- delete ----

export interface DeleteOutcome {
	deleted: number;
	/** Already gone (deleted elsewhere in the meantime). */
	missing: number;
}

/** Deletes runs (their task runs, states and logs go with them; Prefect keeps their subflow runs). */
export async function deleteRuns(prefect: PrefectClient, ids: string[]): Promise<DeleteOutcome> {
	const results = await inBatches(ids, (id) =>
		prefect.flowRuns.delete(id).then(
			() => true,
			(error: unknown) => {
				if (isPrefectError(error, 'not-found')) return false;
				throw error;
			}
		)
	);
	const deleted = results.filter(Boolean).length;
	return { deleted, missing: ids.length - deleted };
}

export const describeDelete = (outcome: DeleteOutcome): string => `Deleted ${plural(outcome.deleted, 'run')}${outcome.missing ? `; ${outcome.missing} already gone` : ''}.`;

// ---- every run of a /runs view ----

/** Runs one bulk action reads and changes at most: 50 pages of 200; the page says when a view holds more. */
export const BULK_MAX = 10_000;

export const bulkVerbs = { cancel: 'Cancel', retry: 'Retry', delete: 'Delete' } as const;
export type BulkVerb = keyof typeof bulkVerbs;

/** How many runs a view matches (the count the confirmation shows). */
export function countView(prefect: PrefectClient, query: RunsQuery, now: Date): Promise<number> {
	return prefect.flowRuns.count(toFlowRunFilter(query, now));
}

/**
 * Every run of the view (paged through, up to BULK_MAX), read before anything changes so that acting on a run
 * cannot move another out of the pages still to read.
 */
export async function runsOfView(prefect: PrefectClient, query: RunsQuery, now: Date): Promise<FlowRun[]> {
	return prefect.flowRuns.filterAll({ ...toFlowRunFilter(query, now), sort: 'ID_DESC' }, BULK_MAX);
}

export async function actOnView(prefect: PrefectClient, verb: BulkVerb, query: RunsQuery, now: Date): Promise<string> {
	const runs = await runsOfView(prefect, query, now);
	const bound = runs.length >= BULK_MAX ? ` Only the first ${BULK_MAX} runs of the view were acted on: run it again for the rest.` : '';
	if (verb === 'cancel') return describeCancel(await cancelFlowRuns(prefect, runs)) + bound;
	if (verb === 'delete')
		return (
			describeDelete(
				await deleteRuns(
					prefect,
					runs.map((run) => run.id)
				)
			) + bound
		);
	return (await retryRuns(prefect, runs)) + bound;
}

export async function retrySelected(prefect: PrefectClient, ids: string[]): Promise<string> {
	return retryRuns(prefect, await prefect.flowRuns.filter({ flow_runs: { id: { any_: ids } }, limit: MAX_SELECTION }));
}

/** Each retryable run back to AwaitingRetry; the others are counted, never touched. */
async function retryRuns(prefect: PrefectClient, runs: FlowRun[]): Promise<string> {
	const retryable = runs.filter(canRetryInPlace);
	const results = await inBatches(retryable, (run) => prefect.flowRuns.setState(run.id, retryState()));
	const accepted = results.filter((result) => result.status === 'ACCEPT').length;
	const skipped = runs.length - retryable.length;
	const parts = [`Retrying ${plural(accepted, 'run')} in place`];
	if (skipped) parts.push(`${skipped} not retryable (not failed, crashed or cancelled, or without a deployment)`);
	if (retryable.length - accepted) parts.push(`${retryable.length - accepted} refused by Prefect`);
	return `${parts.join('; ')}.`;
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
export async function rerunFailedChildren(prefect: PrefectClient, rootId: string): Promise<{ created: Array<{ id: string; name: string }> }> {
	const failed = failedChildren(await loadRunTree(prefect, rootId));
	const created = await inBatches(failed, (child) =>
		prefect.deployments.createFlowRun(child.deployment_id!, {
			name: child.name,
			parameters: child.parameters,
			tags: [...new Set([...child.tags, `${RERUN_TAG_PREFIX}${rootId}`])]
		})
	);
	return { created: created.map((run) => ({ id: run.id, name: run.name })) };
}
