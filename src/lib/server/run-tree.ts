/**
 * A flow run and its descendants (orchestrator -> phases -> tables), loaded level by level with one batched
 * parent_flow_run_id query per level (past 200, the level is counted and its pages read in parallel), never one
 * request per child. As deep as the tree goes:
 * only its size is bounded (TREE_MAX_RUNS), and a tree cut there says so (`truncatedAt`).
 */
import { PAGE_SIZE, type PrefectClient } from '#lib/prefect/client.ts';
import { toRunView, type NameLookup } from '#lib/prefect/models.ts';
import type { TreeRow } from '#lib/runs/tree.ts';
import type { FlowRun, TaskRun } from '#lib/prefect/schemas.ts';
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
	const levels: FlowRun[][] = [];
	const parentOf = new Map<string, string>();
	const maxRuns = options.maxRuns ?? TREE_MAX_RUNS;
	const seen = new Set([root.id]);
	let truncatedAt: number | null = null;
	let parents = [root.id];
	while (parents.length > 0 && maxRuns > 0) {
		const room = maxRuns - (seen.size - 1);
		const big = (options.sizes?.[levels.length] ?? 0) >= PAGE_SIZE;
		const [found, tasks] = await Promise.all([
			// One more than there is room for tells whether the bound cut the tree.
			prefect.flowRuns.children(parents, {}, room + 1, big),
			options.withLinks ? subflowTasksOf(prefect, parents, 10_000, big) : Promise.resolve([])
		]);
		const fresh = found.filter((run) => !seen.has(run.id));
		if (fresh.length > room) truncatedAt = maxRuns;
		const children = fresh.slice(0, room);
		if (children.length === 0) break;
		for (const child of children) seen.add(child.id);
		const flowRunOfTask = new Map(tasks.map((task) => [task.id, task.flow_run_id]));
		for (const child of children) {
			const parent = child.parent_task_run_id ? flowRunOfTask.get(child.parent_task_run_id) : undefined;
			if (parent) parentOf.set(child.id, parent);
		}
		levels.push(children);
		parents = truncatedAt === null ? children.map((run) => run.id) : [];
	}
	return { root, levels, parentOf, truncatedAt };
}

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
