/**
 * A flow run and its descendants (orchestrator -> phases -> tables), loaded level by level with one batched
 * parent_flow_run_id query per level (paged past 200), never one request per child.
 */
import type { PrefectClient } from '#lib/prefect/client.ts';
import { finalStateTypes, type FlowRun, type StateType } from '#lib/prefect/schemas.ts';

export interface RunTree {
	root: FlowRun;
	/** Descendants by depth: levels[0] are the root's children, levels[1] their children, … */
	levels: FlowRun[][];
}

export const isFinal = (state: StateType | null): boolean => state !== null && finalStateTypes.includes(state);

export async function loadRunTree(prefect: PrefectClient, rootId: string, maxDepth = 4): Promise<RunTree> {
	const root = await prefect.flowRuns.get(rootId);
	const levels: FlowRun[][] = [];
	let parents = [root.id];
	for (let depth = 0; depth < maxDepth && parents.length > 0; depth++) {
		const children = await prefect.flowRuns.children(parents);
		if (children.length === 0) break;
		levels.push(children);
		parents = children.map((run) => run.id);
	}
	return { root, levels };
}

/**
 * The fan-out's units (the tables): descendants started from a deployment (run_deployment), unlike phase
 * subflows, which run inside their parent's process and have no deployment.
 */
export function fanOutRuns(tree: RunTree): FlowRun[] {
	return tree.levels.flat().filter((run) => run.deployment_id !== null);
}

/** How many fan-out runs the root will create, when its parameters say (`tables`), else how many exist. */
export function expectedFanOut(tree: RunTree): number {
	const declared = tree.root.parameters.tables;
	const existing = fanOutRuns(tree).length;
	return typeof declared === 'number' && Number.isInteger(declared) && declared > existing ? declared : existing;
}

export interface Progress {
	total: number;
	done: number;
	completed: number;
	failed: number;
	running: number;
	pending: number;
	byState: Partial<Record<StateType, number>>;
}

export function progressOf(runs: FlowRun[], expected = runs.length): Progress {
	const byState: Partial<Record<StateType, number>> = {};
	for (const run of runs) if (run.state_type) byState[run.state_type] = (byState[run.state_type] ?? 0) + 1;
	const count = (...types: StateType[]) => types.reduce((sum, type) => sum + (byState[type] ?? 0), 0);
	const failed = count('FAILED', 'CRASHED', 'CANCELLED');
	const completed = count('COMPLETED');
	const total = Math.max(expected, runs.length);
	return {
		total,
		done: completed + failed,
		completed,
		failed,
		running: count('RUNNING', 'CANCELLING'),
		// Not yet created runs count as pending.
		pending: total - completed - failed - count('RUNNING', 'CANCELLING'),
		byState
	};
}

export const treeIsFinal = (tree: RunTree): boolean => isFinal(tree.root.state_type) && tree.levels.every((level) => level.every((run) => isFinal(run.state_type)));
