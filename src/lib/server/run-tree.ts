/**
 * A flow run and its descendants (orchestrator -> phases -> tables), loaded level by level with one batched
 * parent_flow_run_id query per level (past 200, the level is counted and its pages read in parallel), never one
 * request per child. As deep as the tree goes:
 * only its size is bounded (TREE_MAX_RUNS), and a tree cut there says so (`truncatedAt`).
 */
import { PAGE_SIZE, type PrefectClient } from '#lib/prefect/client.ts';
import { toRunView, type NameLookup } from '#lib/prefect/models.ts';
import type { TreeRow } from '#lib/runs/tree.ts';
import type { FlowRun, FlowRunCriteria, TaskRun } from '#lib/prefect/schemas.ts';
import { isActiveState, isFinalState } from '#lib/prefect/states.ts';

export interface RunTree {
	root: FlowRun;
	/** Descendants by depth: levels[0] are the root's children, levels[1] their children, … */
	levels: FlowRun[][];
	/** Parent flow run id of each descendant; only when loaded `withLinks`. */
	parentOf?: Map<string, string>;
	/** The size bound when the tree has more descendants than were loaded (the deepest ones are left out). */
	truncatedAt: number | null;
}

/** Descendants loaded at most: bounds a page's cost, not its depth (the page says when it applies). */
export const TREE_MAX_RUNS = 5000;

export interface TreeOptions {
	/** Descendants loaded at most (TREE_MAX_RUNS); 0 for the root alone. */
	maxRuns?: number;
	/**
	 * Also learn each child's parent (for drawing the tree): a child points at a task run of its parent
	 * (parent_task_run_id), so each level also reads its parents' subflow task runs, in parallel.
	 */
	withLinks?: boolean;
	/** The root, when the caller has just read it (it is not read again). */
	root?: FlowRun;
	/** Sizes of the levels at the last read (a live feed's): a level that was big is counted with its first page. */
	sizes?: number[];
}

export async function loadRunTree(prefect: PrefectClient, rootId: string, options: TreeOptions = {}): Promise<RunTree> {
	const root = options.root ?? (await prefect.flowRuns.get(rootId));
	const below = await descendantsOf(prefect, [root.id], new Set([root.id]), options.maxRuns ?? TREE_MAX_RUNS, options);
	return { root, levels: below.generations, parentOf: below.parentOf, truncatedAt: below.truncatedAt };
}

interface Descendants {
	/** generations[0] are the parents' children, generations[1] their children, … */
	generations: FlowRun[][];
	parentOf: Map<string, string>;
	/** `room` when there were more descendants than it (the deepest are left out). */
	truncatedAt: number | null;
}

/** The descendants of `parents`, one generation per round, up to `room` runs; `seen` (updated) are left out. */
async function descendantsOf(prefect: PrefectClient, parents: string[], seen: Set<string>, room: number, options: TreeOptions): Promise<Descendants> {
	const generations: FlowRun[][] = [];
	const parentOf = new Map<string, string>();
	let truncatedAt: number | null = null;
	let left = room;
	while (parents.length > 0 && left > 0) {
		const big = (options.sizes?.[generations.length] ?? 0) >= PAGE_SIZE;
		const [found, tasks] = await Promise.all([
			// One more than there is room for tells whether the bound cut the tree.
			prefect.flowRuns.children(parents, {}, left + 1, big),
			options.withLinks ? subflowTasksOf(prefect, parents, 10_000, big) : Promise.resolve([])
		]);
		const fresh = found.filter((run) => !seen.has(run.id));
		if (fresh.length > left) truncatedAt = room;
		const children = fresh.slice(0, left);
		if (children.length === 0) break;
		for (const child of children) seen.add(child.id);
		left -= children.length;
		const flowRunOfTask = new Map(tasks.map((task) => [task.id, task.flow_run_id]));
		for (const child of children) {
			const parent = child.parent_task_run_id ? flowRunOfTask.get(child.parent_task_run_id) : undefined;
			if (parent) parentOf.set(child.id, parent);
		}
		generations.push(children);
		parents = truncatedAt === null ? children.map((run) => run.id) : [];
	}
	return { generations, parentOf, truncatedAt };
}

/**
 * The tree of a live view again, reading only what can change. One query (pages past 200 runs): every run of the
 * tree by id, since any of them can change (a failed table retried in place goes back to Scheduled), together with
 * the children of the runs not final, since only a run under way starts subflows. Runs new to the tree are placed
 * under their parents through their parent task runs (one query); the descendants of those already final are read
 * as loadRunTree does (a subflow can start and end, with children of its own, between two reads). What this cannot
 * place (a run gone, a parent not found, the size bound) reads the whole tree again: the answer is the same as
 * loadRunTree's, only cheaper.
 */
export async function refreshRunTree(prefect: PrefectClient, tree: RunTree): Promise<RunTree> {
	const reload = () => loadRunTree(prefect, tree.root.id, { withLinks: true, sizes: tree.levels.map((level) => level.length) });
	const known = [tree.root, ...tree.levels.flat()];
	if (tree.truncatedAt !== null || !tree.parentOf) return reload();
	const ids = known.map((run) => run.id);
	const open = known.filter((run) => !isFinalState(run.state_type)).map((run) => run.id);
	const criteria: FlowRunCriteria = open.length > 0 ? { operator: 'or_', id: { any_: ids }, parent_flow_run_id: { any_: open } } : { id: { any_: ids } };
	const found = await prefect.flowRuns.filterAll({ flow_runs: criteria, sort: 'ID_DESC' }, TREE_MAX_RUNS + 2, known.length >= PAGE_SIZE);
	const byId = new Map(found.map((run) => [run.id, run]));
	if (ids.some((id) => !byId.has(id))) return reload();
	const depth = new Map<string, number>([[tree.root.id, 0]]);
	tree.levels.forEach((level, index) => level.forEach((run) => depth.set(run.id, index + 1)));
	// In the order they started, as loadRunTree lists them.
	const fresh = found.filter((run) => !depth.has(run.id)).sort((a, b) => startOf(a) - startOf(b));
	const parentOf = new Map(tree.parentOf);
	const order = [...ids.slice(1)];
	if (fresh.length > 0) {
		// At the size bound, the whole read decides what is cut.
		if (known.length + fresh.length >= TREE_MAX_RUNS + 1) return reload();
		const parentTasks = [...new Set(fresh.map((run) => run.parent_task_run_id).filter((task): task is string => Boolean(task)))];
		const tasks = await prefect.taskRuns.filterAll({ task_runs: { id: { any_: parentTasks } } }, parentTasks.length);
		const flowRunOfTask = new Map(tasks.map((task) => [task.id, task.flow_run_id]));
		for (const run of fresh) {
			const parent = run.parent_task_run_id ? flowRunOfTask.get(run.parent_task_run_id) : undefined;
			if (!parent || !depth.has(parent)) return reload();
			parentOf.set(run.id, parent);
		}
		// Children of new runs under way come with the next read (they are among the runs not final then).
		const ended = fresh.filter((run) => isFinalState(run.state_type)).map((run) => run.id);
		const seen = new Set([...ids, ...fresh.map((run) => run.id)]);
		const below = await descendantsOf(prefect, ended, seen, TREE_MAX_RUNS + 1 - seen.size, { withLinks: true });
		if (below.truncatedAt !== null) return reload();
		for (const [child, parent] of below.parentOf) parentOf.set(child, parent);
		for (const run of [...fresh, ...below.generations.flat()]) {
			const parentDepth = depth.get(parentOf.get(run.id) ?? '');
			if (parentDepth === undefined) return reload();
			depth.set(run.id, parentDepth + 1);
			byId.set(run.id, run);
			order.push(run.id);
		}
	}
	const levels: FlowRun[][] = [];
	for (const id of order) (levels[depth.get(id)! - 1] ??= []).push(byId.get(id)!);
	return { root: byId.get(tree.root.id)!, levels, parentOf, truncatedAt: null };
}

const startOf = (run: FlowRun): number => Date.parse(run.start_time ?? run.expected_start_time ?? '') || Number.MAX_SAFE_INTEGER;

/** The task runs that stand for subflow (or run_deployment) runs of the given flow runs. */
function subflowTasksOf(prefect: PrefectClient, flowRunIds: string[], max = 10_000, expectMany = false): Promise<TaskRun[]> {
	return prefect.taskRuns.filterAll({ flow_runs: { id: { any_: flowRunIds } }, task_runs: { subflow_runs: { exists_: true } } }, max, expectMany);
}

export interface ChildCount {
	/** Direct subflow runs. */
	children: number;
	/** Runs one level further down (the tables of an orchestrator's fan-out phase). */
	grandchildren: number;
}

/**
 * How many subflow runs each of the given runs has, two levels deep, for a list page: counted from subflow
 * task runs (whose state names the child run), two batched queries whatever the page holds, each capped.
 */
export async function countDescendants(prefect: PrefectClient, runIds: string[], cap = 1000): Promise<Map<string, ChildCount>> {
	const counts = new Map<string, ChildCount>();
	if (runIds.length === 0) return counts;
	const firstLevel = await subflowTasksOf(prefect, runIds, cap);
	const rootOfChild = new Map<string, string>();
	for (const task of firstLevel) {
		// Subflow task runs were read by their flow runs: never outside one.
		if (!task.flow_run_id) continue;
		const count = counts.get(task.flow_run_id) ?? { children: 0, grandchildren: 0 };
		count.children += 1;
		counts.set(task.flow_run_id, count);
		const child = task.state?.state_details?.child_flow_run_id;
		if (child) rootOfChild.set(child, task.flow_run_id);
	}
	const secondLevel = await subflowTasksOf(prefect, [...rootOfChild.keys()], cap);
	for (const task of secondLevel) {
		const root = task.flow_run_id ? rootOfChild.get(task.flow_run_id) : undefined;
		const count = root ? counts.get(root) : undefined;
		if (count) count.grandchildren += 1;
	}
	return counts;
}

/** Every descendant with its parent, as view rows (src/lib/runs/tree.ts builds the tree from them). */
export function runRows(tree: RunTree, names: NameLookup): TreeRow[] {
	return tree.levels.flat().map((run) => ({ run: toRunView(run, names), parentId: tree.parentOf?.get(run.id) ?? tree.root.id }));
}

/**
 * The fan-out's units (the tables): descendants started from a deployment (run_deployment), unlike phase
 * subflows, which run inside their parent's process and have no deployment.
 */
export function fanOutRuns(tree: RunTree): FlowRun[] {
	return tree.levels.flat().filter((run) => run.deployment_id !== null);
}

export const treeIsFinal = (tree: RunTree): boolean => isFinalState(tree.root.state_type) && tree.levels.every((level) => level.every((run) => isFinalState(run.state_type)));

/** Something in the tree is under way (live views poll fast). */
export const treeIsActive = (tree: RunTree): boolean => [tree.root, ...tree.levels.flat()].some((run) => isActiveState(run.state_type));
