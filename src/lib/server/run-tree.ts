/**
 * A flow run and its descendants (orchestrator -> phases -> tables), loaded level by level with one batched
 * parent_flow_run_id query per level (paged past 200), never one request per child.
 */
import type { PrefectClient } from '#lib/prefect/client.ts';
import { toRunView, type NameLookup } from '#lib/prefect/models.ts';
import type { RunRow } from '#lib/runs/tree.ts';
import type { FlowRun, TaskRun } from '#lib/prefect/schemas.ts';
import { isActiveState, isFinalState } from '#lib/prefect/states.ts';

export interface RunTree {
	root: FlowRun;
	/** Descendants by depth: levels[0] are the root's children, levels[1] their children, … */
	levels: FlowRun[][];
	/** Parent flow run id of each descendant; only when loaded `withLinks`. */
	parentOf?: Map<string, string>;
}

export interface TreeOptions {
	maxDepth?: number;
	/**
	 * Also learn each child's parent (for drawing the tree): a child points at a task run of its parent
	 * (parent_task_run_id), so each level also reads its parents' subflow task runs, in parallel.
	 */
	withLinks?: boolean;
}

export async function loadRunTree(prefect: PrefectClient, rootId: string, options: TreeOptions = {}): Promise<RunTree> {
	const root = await prefect.flowRuns.get(rootId);
	const levels: FlowRun[][] = [];
	const parentOf = new Map<string, string>();
	let parents = [root.id];
	for (let depth = 0; depth < (options.maxDepth ?? 4) && parents.length > 0; depth++) {
		const [children, tasks] = await Promise.all([
			prefect.flowRuns.children(parents),
			options.withLinks ? subflowTasksOf(prefect, parents) : Promise.resolve([])
		]);
		if (children.length === 0) break;
		const flowRunOfTask = new Map(tasks.map((task) => [task.id, task.flow_run_id]));
		for (const child of children) {
			const parent = child.parent_task_run_id ? flowRunOfTask.get(child.parent_task_run_id) : undefined;
			if (parent) parentOf.set(child.id, parent);
		}
		levels.push(children);
		parents = children.map((run) => run.id);
	}
	return { root, levels, parentOf };
}

/** The task runs that stand for subflow (or run_deployment) runs of the given flow runs. */
function subflowTasksOf(prefect: PrefectClient, flowRunIds: string[], max = 10_000): Promise<TaskRun[]> {
	return prefect.taskRuns.filterAll({ flow_runs: { id: { any_: flowRunIds } }, task_runs: { subflow_runs: { exists_: true } } }, max);
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
		const count = counts.get(task.flow_run_id) ?? { children: 0, grandchildren: 0 };
		count.children += 1;
		counts.set(task.flow_run_id, count);
		const child = task.state?.state_details?.child_flow_run_id;
		if (child) rootOfChild.set(child, task.flow_run_id);
	}
	const secondLevel = await subflowTasksOf(prefect, [...rootOfChild.keys()], cap);
	for (const task of secondLevel) {
		const root = rootOfChild.get(task.flow_run_id);
		const count = root ? counts.get(root) : undefined;
		if (count) count.grandchildren += 1;
	}
	return counts;
}

/** Every descendant with its parent, as view rows (src/lib/runs/tree.ts builds the tree from them). */
export function runRows(tree: RunTree, names: NameLookup): RunRow[] {
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
