/**
 * /concurrency: tag concurrency limits with the task runs holding their slots (leaked holders marked), and on 3.x the
 * global (v2) limits beside them; create, change, reset, delete, and release leaked slots (on request, or by the
 * reconciler in slot-reconciler.ts).
 */
import { fail } from '@sveltejs/kit';
import { tagLimitName, type PrefectClient } from '#lib/prefect/client.ts';
import { toConcurrencyLimitView, toGlobalLimitView, toStateView, type ConcurrencyLimitView, type GlobalLimitView, type StateView } from '#lib/prefect/models.ts';
import { isFinalState } from '#lib/prefect/states.ts';
import { asFormFailure } from './form-actions.ts';

export interface SlotHolder {
	taskRunId: string;
	name: string | null;
	/** null when the task run is gone, or ran outside any flow (3.x). */
	flowRunId: string | null;
	state: StateView | null;
	/** Why the slot is held by no one running (the task run is final or gone, or its flow run is final), or null. */
	leaked: string | null;
}

export interface ConcurrencyRow {
	limit: ConcurrencyLimitView;
	holders: SlotHolder[];
}

/** The holders of `slots`, each judged: two batched reads (the task runs, then their flow runs), whatever the count. */
async function judgeHolders(prefect: PrefectClient, slots: string[]): Promise<Map<string, SlotHolder>> {
	const ids = [...new Set(slots)];
	const tasks = ids.length ? await prefect.taskRuns.filterAll({ task_runs: { id: { any_: ids } } }, ids.length) : [];
	const flowRunIds = [...new Set(tasks.flatMap((task) => task.flow_run_id ?? []))];
	const flowRuns = flowRunIds.length ? await prefect.flowRuns.filterAll({ flow_runs: { id: { any_: flowRunIds } } }, flowRunIds.length) : [];
	const taskById = new Map(tasks.map((task) => [task.id, task]));
	const flowRunById = new Map(flowRuns.map((run) => [run.id, run]));
	return new Map(
		ids.map((taskRunId) => {
			const task = taskById.get(taskRunId);
			const flowRun = task?.flow_run_id ? flowRunById.get(task.flow_run_id) : undefined;
			let leaked: string | null = null;
			if (!task) leaked = 'the task run no longer exists';
			else if (isFinalState(task.state_type)) leaked = `the task run is ${task.state_name ?? task.state_type}`;
			else if (flowRun && isFinalState(flowRun.state_type)) leaked = `its flow run ${flowRun.name} is ${flowRun.state_name ?? flowRun.state_type}`;
			const holder: SlotHolder = {
				taskRunId,
				name: task?.name ?? null,
				flowRunId: task?.flow_run_id ?? null,
				state: task ? toStateView(task.state_type, task.state_name) : null,
				leaked
			};
			return [taskRunId, holder];
		})
	);
}

export interface ConcurrencyPage {
	/** Tag limits, by tag. */
	rows: ConcurrencyRow[];
	/** Global (v2) limits other than the tag limits' own `tag:<tag>` twins, by name (3.x; empty on 2.x). */
	globalLimits: GlobalLimitView[];
}

/** The limits (tag and global in parallel), then the task runs holding any slot (and their flow runs) in batched calls. */
export async function loadConcurrency(prefect: PrefectClient): Promise<ConcurrencyPage> {
	const [limits, globalLimits] = await Promise.all([prefect.concurrencyLimits.filter({}), prefect.globalConcurrencyLimits.filterAll()]);
	const holders = await judgeHolders(
		prefect,
		limits.flatMap((limit) => limit.active_slots)
	);
	const tagLimits = new Set(limits.map((limit) => tagLimitName(limit.tag)));
	return {
		rows: limits
			.map((limit) => ({ limit: toConcurrencyLimitView(limit), holders: limit.active_slots.map((taskRunId) => holders.get(taskRunId)!) }))
			.sort((a, b) => a.limit.tag.localeCompare(b.limit.tag)),
		globalLimits: globalLimits
			.filter((limit) => !tagLimits.has(limit.name))
			.map(toGlobalLimitView)
			.sort((a, b) => a.name.localeCompare(b.name))
	};
}

export interface Release {
	tag: string;
	released: SlotHolder[];
}

/**
 * Frees the slots of `tag` held by leaked holders and keeps every live one: Prefect's reset takes `slot_override`,
 * the exact list of holders to keep (on 3.x the client also sets the `tag:<tag>` v2 count to them). The limit is read
 * again just before, so only a task that takes a slot in the instant between that read and the reset could lose its record.
 */
export async function releaseLeakedSlots(prefect: PrefectClient, tag: string): Promise<Release> {
	const limit = await prefect.concurrencyLimits.get(tag);
	const holders = await judgeHolders(prefect, limit.active_slots);
	const released = [...holders.values()].filter((holder) => holder.leaked);
	if (released.length === 0) return { tag, released };
	const current = await prefect.concurrencyLimits.get(tag);
	const leakedIds = new Set(released.map((holder) => holder.taskRunId));
	await prefect.concurrencyLimits.reset(
		tag,
		current.active_slots.filter((slot) => !leakedIds.has(slot))
	);
	return { tag, released };
}

/** One line per released slot, for the server log. */
export const describeRelease = ({ tag, released }: Release): string[] =>
	released.map((holder) => `[flowdeck] released a leaked "${tag}" slot of task run ${holder.name ?? ''} (${holder.taskRunId}): ${holder.leaked}`);

export const releaseLeaked = (prefect: PrefectClient, form: FormData) =>
	onTag(form, async (tag) => {
		const release = await releaseLeakedSlots(prefect, tag);
		for (const line of describeRelease(release)) console.log(line);
		const count = release.released.length;
		return count ? `Released ${count} leaked slot${count === 1 ? '' : 's'} of tag "${tag}"; live holders keep theirs.` : `No leaked slots in tag "${tag}".`;
	});

const MAX_LIMIT = 10_000;

function readTag(form: FormData): string | null {
	const tag = String(form.get('tag') ?? '').trim();
	return tag && tag.length <= 100 ? tag : null;
}

/** An action on the tag a form names: 400 without one; the message `work` returns, or Prefect's refusal. */
async function onTag(form: FormData, work: (tag: string) => Promise<string>) {
	const tag = readTag(form);
	if (!tag) return fail(400, { message: 'Missing tag.' });
	return asFormFailure(async () => ({ message: await work(tag) }));
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

export const resetLimit = (prefect: PrefectClient, form: FormData) =>
	onTag(form, async (tag) => {
		await prefect.concurrencyLimits.reset(tag);
		return `Released every slot of tag "${tag}".`;
	});

export const deleteLimit = (prefect: PrefectClient, form: FormData) =>
	onTag(form, async (tag) => {
		await prefect.concurrencyLimits.delete(tag);
		return `Deleted the limit for tag "${tag}".`;
	});
