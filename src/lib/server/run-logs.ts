/**
 * Every log line of a run and its descendants: streamed as a text file while it is read (any number of lines,
 * never held in memory whole), and counted. Prefect 2.13.7 has no log count and sorts by timestamp only.
 */
import type { PrefectClient } from '#lib/prefect/client.ts';
import { toLogView } from '#lib/prefect/models.ts';
import type { Log, LogFilterBody } from '#lib/prefect/schemas.ts';
import { loadRunTree } from './run-tree.ts';

type LogCriteria = NonNullable<LogFilterBody['logs']>;

const PAGE = 200;
/** Time slices read at once (each one page after another): parallel enough to keep Prefect busy, few for SQLite. */
const PARALLEL_SLICES = 3;
/** Lines per slice, roughly: a slice read ahead is held in memory until its turn. */
const SLICE_LINES = 5000;

export function logCriteriaOf(runIds: string[], level: number): LogCriteria {
	return { flow_run_id: { any_: runIds }, ...(level ? { level: { ge_: level } } : {}) };
}

async function criteriaFor(prefect: PrefectClient, id: string, level: number): Promise<LogCriteria> {
	const tree = await loadRunTree(prefect, id);
	return logCriteriaOf([tree.root.id, ...tree.levels.flat().map((run) => run.id)], level);
}

export const formatLogLine = (log: Log): string => {
	const view = toLogView(log);
	return `${view.timestamp} ${view.level.padEnd(8)} ${view.logger} - ${view.message}\n`;
};

/**
 * The lines stamped in [from, to) (to: null for no end), oldest first, a page at a time: keyset paging on the
 * timestamp (after_ is inclusive, so lines at a page's last timestamp are dropped when seen), with an offset
 * only to get past a page that is all one timestamp.
 */
async function* readSlice(prefect: PrefectClient, criteria: LogCriteria, from: string | null, to: string | null): AsyncGenerator<Log[]> {
	const toMs = to === null ? Number.POSITIVE_INFINITY : Date.parse(to);
	let after = from;
	let offset = 0;
	let atLast = new Set<string>();
	for (;;) {
		const page = await prefect.logs.filter({
			logs: { ...criteria, timestamp: { ...(after ? { after_: after } : {}), ...(to ? { before_: to } : {}) } },
			sort: 'TIMESTAMP_ASC',
			limit: PAGE,
			offset
		});
		// A line in the same millisecond as `to` belongs to the next slice.
		const lines = page.filter((line) => !atLast.has(line.id) && Date.parse(line.timestamp) < toMs);
		if (lines.length) yield lines;
		if (page.length < PAGE) return;
		const last = page[page.length - 1]!.timestamp;
		offset = page[0]!.timestamp === last ? (after === last ? offset : 0) + PAGE : 0;
		const ids = page.filter((line) => line.timestamp === last).map((line) => line.id);
		atLast = after === last ? new Set([...atLast, ...ids]) : new Set(ids);
		after = last;
	}
}

async function collect(slice: AsyncGenerator<Log[]>): Promise<Log[][]> {
	const pages: Log[][] = [];
	for await (const page of slice) pages.push(page);
	return pages;
}

/** Time bounds splitting the run's lines into slices of about SLICE_LINES (from the first and last stamps). */
async function sliceBounds(prefect: PrefectClient, criteria: LogCriteria, lines: number): Promise<Array<[string | null, string | null]>> {
	const [first, last] = await Promise.all([prefect.logs.filter({ logs: criteria, sort: 'TIMESTAMP_ASC', limit: 1 }), prefect.logs.filter({ logs: criteria, sort: 'TIMESTAMP_DESC', limit: 1 })]);
	const slices = Math.min(64, Math.ceil(lines / SLICE_LINES));
	if (!first[0] || !last[0] || slices <= 1) return [[null, null]];
	const start = Date.parse(first[0].timestamp);
	const span = Date.parse(last[0].timestamp) - start;
	if (span < slices) return [[null, null]];
	const cuts = Array.from({ length: slices - 1 }, (_, index) => new Date(start + Math.round((span * (index + 1)) / slices)).toISOString());
	return [null, ...cuts].map((from, index) => [from, cuts[index] ?? null]);
}

/**
 * The download: a stream of text lines, oldest first, written as pages arrive. Slices of the run's time span
 * are read a few at once and written in order (a slice read ahead waits in memory for its turn).
 */
export async function runLogStream(prefect: PrefectClient, id: string, level = 0): Promise<ReadableStream<Uint8Array>> {
	const criteria = await criteriaFor(prefect, id, level);
	const total = await countLogs(prefect, criteria);
	const bounds = await sliceBounds(prefect, criteria, total);
	const encoder = new TextEncoder();
	// The first slice streams page by page; the ones after it are read ahead, whole.
	const ahead: Array<Promise<Log[][]> | undefined> = [];
	const startAhead = (index: number) => {
		const range = bounds[index];
		if (range && !ahead[index]) {
			const reading = collect(readSlice(prefect, criteria, range[0], range[1]));
			reading.catch(() => {}); // surfaced when its turn comes
			ahead[index] = reading;
		}
	};
	let current = 0;
	let streaming: AsyncGenerator<Log[]> | null = bounds[0] ? readSlice(prefect, criteria, bounds[0][0], bounds[0][1]) : null;
	for (let index = 1; index < PARALLEL_SLICES; index++) startAhead(index);
	return new ReadableStream<Uint8Array>({
		async pull(controller) {
			try {
				if (streaming) {
					const next = await streaming.next();
					if (!next.done) return controller.enqueue(encoder.encode(next.value.map(formatLogLine).join('')));
					streaming = null;
					current += 1;
				}
				if (current >= bounds.length) return controller.close();
				startAhead(current);
				startAhead(current + PARALLEL_SLICES - 1);
				const pages = await ahead[current]!;
				ahead[current] = undefined;
				current += 1;
				const text = pages.map((page) => page.map(formatLogLine).join('')).join('');
				if (text) controller.enqueue(encoder.encode(text));
				if (current >= bounds.length) controller.close();
			} catch (error) {
				controller.error(error);
			}
		},
		cancel() {
			void streaming?.return(undefined);
		}
	});
}

/**
 * How many lines match, without reading them: probes `offset` with limit 1 (is there a line at offset n?),
 * doubling then bisecting: about 2·log2(lines) small requests.
 */
export async function countLogs(prefect: PrefectClient, criteria: LogCriteria): Promise<number> {
	const exists = async (offset: number) => (await prefect.logs.filter({ logs: criteria, sort: 'TIMESTAMP_ASC', limit: 1, offset })).length > 0;
	if (!(await exists(0))) return 0;
	let low = 1; // a line exists at low - 1
	let high = 1;
	while (await exists(high)) {
		low = high + 1;
		high *= 2;
	}
	// Lines at offsets < low exist; none at high.
	while (low < high) {
		const middle = Math.floor((low + high) / 2);
		if (await exists(middle)) low = middle + 1;
		else high = middle;
	}
	return low;
}

export async function countRunLogs(prefect: PrefectClient, id: string, level = 0): Promise<number> {
	return countLogs(prefect, await criteriaFor(prefect, id, level));
}
