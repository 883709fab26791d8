/** The UI's own types, and the one place wire types (schemas.ts) are mapped to them. */
import type { StateType, WorkPool, Worker } from './schemas.ts';

export interface WorkerView {
	name: string;
	online: boolean;
	lastHeartbeat: string | null;
}

export interface WorkPoolView {
	name: string;
	type: string;
	status: 'ready' | 'not-ready' | 'paused';
	concurrencyLimit: number | null;
	workers: WorkerView[];
	onlineWorkers: number;
}

export function toWorkerView(worker: Worker, now = Date.now()): WorkerView {
	return {
		name: worker.name,
		online: worker.status ? worker.status === 'ONLINE' : isRecentHeartbeat(worker, now),
		lastHeartbeat: worker.last_heartbeat_time
	};
}

/** Prefect's own rule when the server does not say: ONLINE = heartbeat within 3 intervals. */
function isRecentHeartbeat(worker: Worker, now: number): boolean {
	if (!worker.last_heartbeat_time) return false;
	const interval = (worker.heartbeat_interval_seconds ?? 30) * 1000;
	return now - Date.parse(worker.last_heartbeat_time) <= 3 * interval;
}

export function toWorkPoolView(pool: WorkPool, workers: Worker[]): WorkPoolView {
	const views = workers.map((worker) => toWorkerView(worker)).sort((a, b) => a.name.localeCompare(b.name));
	return {
		name: pool.name,
		type: pool.type,
		status: pool.is_paused || pool.status === 'PAUSED' ? 'paused' : pool.status === 'READY' ? 'ready' : 'not-ready',
		concurrencyLimit: pool.concurrency_limit ?? null,
		workers: views,
		onlineWorkers: views.filter((worker) => worker.online).length
	};
}

export const stateLabels: Record<StateType, string> = {
	SCHEDULED: 'Scheduled',
	PENDING: 'Pending',
	RUNNING: 'Running',
	COMPLETED: 'Completed',
	FAILED: 'Failed',
	CANCELLED: 'Cancelled',
	CRASHED: 'Crashed',
	PAUSED: 'Paused',
	CANCELLING: 'Cancelling'
};
