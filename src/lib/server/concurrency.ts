/** /concurrency: tag concurrency limits with the task runs holding their slots; create, change, reset, delete. */
import { fail } from '@sveltejs/kit';
import type { PrefectClient } from '#lib/prefect/client.ts';
import { toConcurrencyLimitView, toStateView, type ConcurrencyLimitView, type StateView } from '#lib/prefect/models.ts';
import { asFormFailure } from './form-actions.ts';

export interface SlotHolder {
	taskRunId: string;
	name: string | null;
	flowRunId: string | null;
	state: StateView | null;
}

export interface ConcurrencyRow {
	limit: ConcurrencyLimitView;
	holders: SlotHolder[];
}

/** The limits, then the task runs holding any slot in one batched call. */
export async function loadConcurrency(prefect: PrefectClient): Promise<ConcurrencyRow[]> {
	const limits = await prefect.concurrencyLimits.filter({});
	const slots = [...new Set(limits.flatMap((limit) => limit.active_slots))].slice(0, 200);
	const tasks = slots.length ? await prefect.taskRuns.filter({ task_runs: { id: { any_: slots } }, limit: 200 }) : [];
	const byId = new Map(tasks.map((task) => [task.id, task]));
	return limits
		.map((limit) => ({
			limit: toConcurrencyLimitView(limit),
			holders: limit.active_slots.map((taskRunId) => {
				const task = byId.get(taskRunId);
				return { taskRunId, name: task?.name ?? null, flowRunId: task?.flow_run_id ?? null, state: task ? toStateView(task.state_type, task.state_name) : null };
			})
		}))
		.sort((a, b) => a.limit.tag.localeCompare(b.limit.tag));
}

const MAX_LIMIT = 10_000;

function readTag(form: FormData): string | null {
	const tag = String(form.get('tag') ?? '').trim();
	return tag && tag.length <= 100 ? tag : null;
}

/** Create or change (Prefect upserts by tag). */
export async function saveLimit(prefect: PrefectClient, form: FormData) {
	const tag = readTag(form);
	const rawLimit = String(form.get('limit') ?? '').trim();
	const limit = Number(rawLimit);
	if (!tag) return fail(400, { message: 'Enter a tag (at most 100 characters).', tag: String(form.get('tag') ?? ''), limit: rawLimit });
	if (!/^\d+$/.test(rawLimit) || limit > MAX_LIMIT) return fail(400, { message: `The limit must be a whole number from 0 to ${MAX_LIMIT}.`, tag, limit: rawLimit });
	return asFormFailure(async () => {
		await prefect.concurrencyLimits.upsert(tag, limit);
		return { message: `Limit for tag "${tag}" is now ${limit}.` };
	});
}

export async function resetLimit(prefect: PrefectClient, form: FormData) {
	const tag = readTag(form);
	if (!tag) return fail(400, { message: 'Missing tag.' });
	return asFormFailure(async () => {
		await prefect.concurrencyLimits.reset(tag);
		return { message: `Released every slot of tag "${tag}".` };
	});
}

export async function deleteLimit(prefect: PrefectClient, form: FormData) {
	const tag = readTag(form);
	if (!tag) return fail(400, { message: 'Missing tag.' });
	return asFormFailure(async () => {
		await prefect.concurrencyLimits.delete(tag);
		return { message: `Deleted the limit for tag "${tag}".` };
	});
}
