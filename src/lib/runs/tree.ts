/**
 * A run's descendants as the run page shows them: built from flat rows (a run and its parent), so the page load
 * on the server and live updates in the browser build the same tree with the same code.
 */
import type { RunView } from '#lib/prefect/models.ts';
import { TABLE_CHILD } from '#lib/deployment-names.ts';
import type { StateType } from '#lib/prefect/schemas.ts';
import { isFailedState } from '#lib/prefect/states.ts';

/** One descendant of a run with its parent: the run page builds its tree from these (the /runs list has RunsPageRow). */
export interface TreeRow {
	run: RunView;
	/** The flow run this one was started from (the root for its direct children). */
	parentId: string;
}

export interface RunNode {
	run: RunView;
	children: RunNode[];
	/** States of the leaf runs under this node (itself when it has no children). */
	leafStates: Partial<Record<StateType, number>>;
	leafCount: number;
}

export interface Progress {
	/** What the fan-out's units are called: "tables" only for Flowdeck's own ETL, "runs" for any other flow. */
	noun: 'tables' | 'runs';
	total: number;
	done: number;
	completed: number;
	failed: number;
	crashed: number;
	cancelled: number;
	running: number;
	pending: number;
}

export interface RunTreeSummary {
	nodes: RunNode[];
	/** What the counts are of: the fan-out's runs (tables) when there are any, else every subflow run. */
	unit: 'fan-out runs' | 'subflow runs';
	unitStates: Partial<Record<StateType, number>>;
	unitCount: number;
	/**
	 * Fan-out runs done / total, once the first exists (the total the root declares in its `tables` parameter
	 * until all exist). Zero total: no fan-out (a task-parallel run, in-process subflows) or not started yet.
	 */
	progress: Progress;
	/** Failed fan-out runs a re-run would repeat. */
	failedChildren: number;
}

/** Fan-out units (tables) are runs started from a deployment; phase subflows run in their parent's process. */
export const isFanOutRun = (run: RunView): boolean => run.deploymentId !== null;

export function countStates(types: Array<StateType | null>): Partial<Record<StateType, number>> {
	const counts: Partial<Record<StateType, number>> = {};
	for (const type of types) if (type) counts[type] = (counts[type] ?? 0) + 1;
	return counts;
}

export function progressOf(types: Array<StateType | null>, expected = types.length, noun: Progress['noun'] = 'runs'): Progress {
	const counts = countStates(types);
	const total = Math.max(expected, types.length);
	const completed = counts.COMPLETED ?? 0;
	const failed = counts.FAILED ?? 0;
	const crashed = counts.CRASHED ?? 0;
	const cancelled = counts.CANCELLED ?? 0;
	const running = (counts.RUNNING ?? 0) + (counts.CANCELLING ?? 0);
	const done = completed + failed + crashed + cancelled;
	// Runs not created yet count as pending.
	return { noun, total, done, completed, failed, crashed, cancelled, running, pending: total - done - running };
}

/** Flowdeck's distributed ETL fans out to runs of its table deployment; any other fan-out is counted in runs. */
const isTableRun = (run: RunView): boolean => run.flowName === TABLE_CHILD.flow && run.deploymentName === TABLE_CHILD.deployment;

/** How many fan-out runs the root will create, when its parameters say (`tables`, Flowdeck's ETL). */
export function declaredFanOut(root: RunView): number {
	const declared = root.parameters.tables;
	return typeof declared === 'number' && Number.isInteger(declared) && declared > 0 ? declared : 0;
}

export function summarizeTree(root: RunView, rows: TreeRow[]): RunTreeSummary {
	const childrenOf = new Map<string, RunView[]>();
	for (const { run, parentId } of rows) {
		const siblings = childrenOf.get(parentId);
		if (siblings) siblings.push(run);
		else childrenOf.set(parentId, [run]);
	}
	const build = (run: RunView): RunNode => {
		const children = (childrenOf.get(run.id) ?? []).map(build);
		const leafStates: Partial<Record<StateType, number>> = children.length === 0 ? countStates([run.state.type]) : {};
		for (const child of children) {
			for (const [type, count] of Object.entries(child.leafStates) as Array<[StateType, number]>) leafStates[type] = (leafStates[type] ?? 0) + count;
		}
		return { run, children, leafStates, leafCount: children.length === 0 ? 1 : children.reduce((sum, child) => sum + child.leafCount, 0) };
	};
	const runs = rows.map((row) => row.run);
	const fanOut = runs.filter(isFanOutRun);
	const units = fanOut.length ? fanOut : runs;
	const unitTypes = units.map((run) => run.state.type);
	const tables = fanOut.length > 0 && fanOut.every(isTableRun);
	return {
		nodes: (childrenOf.get(root.id) ?? []).map(build),
		unit: fanOut.length ? 'fan-out runs' : 'subflow runs',
		unitStates: countStates(unitTypes),
		unitCount: units.length,
		progress: progressOf(
			fanOut.map((run) => run.state.type),
			fanOut.length ? Math.max(tables ? declaredFanOut(root) : 0, fanOut.length) : 0,
			tables ? 'tables' : 'runs'
		),
		failedChildren: fanOut.filter((run) => isFailedState(run.state.type)).length
	};
}
