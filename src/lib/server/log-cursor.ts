/**
 * Follows the log lines of a run as Prefect stores them: a cursor on `timestamp` that only moves forward, with
 * no line lost or sent twice at any rate.
 *
 * Lines reach Prefect late and out of order: each process sends its lines in batches (every ~2 s, later under
 * load), so a line stamped at t can be stored after lines stamped later. Prefect 2.13.7 filters and sorts logs
 * by `timestamp` only, but each line also says when it was stored (`created`, the server's clock). So:
 * - every read takes *all* lines from the cursor on (keyset pages of 200, never a fixed limit that a chatty
 *   run could fill forever), and drops the ids already sent;
 * - the cursor then moves to (newest `created` seen) − (look-back): no line stored later can be stamped
 *   before that, as long as the look-back exceeds the largest lateness (created − timestamp) seen, which is
 *   measured as lines arrive and the look-back grows with it;
 * - re-reading that window costs pages on a chatty run, so there it is swept every few reads, the reads in
 *   between taking only what follows the newest line sent: a late line may come a few seconds later, never lost.
 */
import type { PrefectClient } from '#lib/prefect/client.ts';
import type { Log, LogFilterBody } from '#lib/prefect/schemas.ts';

type LogCriteria = NonNullable<LogFilterBody['logs']>;

/** The smallest look-back, and how much more than the largest lateness seen it keeps. */
// Worker lines ("Process … exited") can be stored well over 10 s after their timestamp on a busy machine.
const MIN_LOOKBACK_MS = 30_000;
const LATENESS_FACTOR = 2;
/** Lines read per tick at most: a burst is read over several ticks, the cursor resuming where it stopped. */
const MAX_LINES_PER_READ = 5000;
const PAGE = 200;
/** A look-back window this small is swept every read; a bigger one every SWEEP_EVERY reads. */
const SMALL_WINDOW_LINES = 1000;
const SWEEP_EVERY = 5;

const ms = (iso: string): number => Date.parse(iso);

export class LogCursor {
	/** Lines stamped before this were all sent, or are older than the first snapshot (null: none read yet). */
	private cursor: string | null = null;
	private started = false;
	/** Ids sent with a timestamp at or after the cursor (older ones can no longer come back). */
	private readonly sent = new Map<string, number>();
	private newestCreatedMs = 0;
	/** The newest timestamp sent (where a read that is not a sweep starts). */
	private newestSent: string | null = null;
	private reads = 0;
	/** Lines in the look-back window at the last sweep. */
	private lastSweepLines = 0;
	private maxLatenessMs = 0;
	private readonly snapshotLines: number;

	constructor(snapshotLines: number) {
		this.snapshotLines = snapshotLines;
	}

	private get lookbackMs(): number {
		return Math.max(MIN_LOOKBACK_MS, this.maxLatenessMs * LATENESS_FACTOR);
	}

	/**
	 * Starts from lines already read (a page's log tail: the latest `limit` lines, oldest first) instead of a first
	 * read of its own: the next read gives what follows them.
	 */
	start(latest: Log[], limit: number): void {
		this.started = true;
		this.observe(latest);
		// A full tail leaves older lines out on purpose: the cursor starts no earlier than its oldest.
		this.advance(latest.length >= limit ? latest[0]!.timestamp : null, 'floor');
	}

	/** The lines not sent yet, oldest first. The first read gives the latest `snapshotLines`. */
	async read(prefect: PrefectClient, criteria: LogCriteria): Promise<Log[]> {
		if (!this.started) {
			const latest = (await prefect.logs.filterAll({ logs: criteria, sort: 'TIMESTAMP_DESC' }, this.snapshotLines)).reverse();
			this.start(latest, this.snapshotLines);
			return latest;
		}
		// A sweep re-reads the look-back window for late lines; while it is big (a chatty run), most reads only
		// take what follows the newest line sent, and late lines come with the next sweep, a few reads later.
		this.reads += 1;
		const sweep = this.lastSweepLines <= SMALL_WINDOW_LINES || this.reads % SWEEP_EVERY === 0;
		const { lines, stoppedAt } = await this.readFrom(prefect, criteria, sweep ? this.cursor : (this.newestSent ?? this.cursor));
		this.observe(lines);
		if (sweep) {
			this.lastSweepLines = this.sent.size;
			// Stopped early: the rest, from where it stopped, comes with the next read.
			this.advance(stoppedAt, 'ceiling');
		}
		return lines;
	}

	/** Every line from `from` on not sent yet (keyset pages), up to MAX_LINES_PER_READ; where it stopped, if early. */
	private async readFrom(prefect: PrefectClient, criteria: LogCriteria, start: string | null): Promise<{ lines: Log[]; stoppedAt: string | null }> {
		const fresh = new Map<string, Log>();
		let from = start;
		let offset = 0;
		for (;;) {
			const page = await prefect.logs.filter({
				logs: { ...criteria, ...(from ? { timestamp: { after_: from } } : {}) },
				sort: 'TIMESTAMP_ASC',
				limit: PAGE,
				offset
			});
			for (const line of page) if (!this.sent.has(line.id)) fresh.set(line.id, line);
			if (page.length < PAGE) return { lines: [...fresh.values()], stoppedAt: null };
			// Keyset paging: after_ is inclusive, so the next page starts at this one's last timestamp (its lines
			// there are dropped as sent); only a page that is all one timestamp needs an offset to get past it.
			const last = page[page.length - 1]!.timestamp;
			offset = page[0]!.timestamp === last ? (from === last ? offset : 0) + PAGE : 0;
			from = last;
			if (fresh.size >= MAX_LINES_PER_READ) return { lines: [...fresh.values()], stoppedAt: from };
		}
	}

	private observe(lines: Log[]): void {
		for (const line of lines) {
			const created = ms(line.created);
			this.sent.set(line.id, ms(line.timestamp));
			if (this.newestSent === null || ms(line.timestamp) > ms(this.newestSent)) this.newestSent = line.timestamp;
			this.newestCreatedMs = Math.max(this.newestCreatedMs, created);
			this.maxLatenessMs = Math.max(this.maxLatenessMs, created - ms(line.timestamp));
		}
	}

	/**
	 * Moves the cursor forward, never back, to the newest `created` seen minus the look-back: no line stored
	 * from now on can be stamped earlier. `bound` limits it: a 'ceiling' where a read stopped early (lines
	 * after it were not read yet), a 'floor' where a snapshot starts (older lines are not shown).
	 */
	private advance(bound: string | null, kind: 'ceiling' | 'floor'): void {
		if (this.newestCreatedMs === 0) return; // nothing stored yet: the next read starts from the first line
		const safe = new Date(this.newestCreatedMs - this.lookbackMs).toISOString();
		let target = safe;
		if (bound !== null && (kind === 'ceiling' ? ms(bound) < ms(safe) : ms(bound) > ms(safe))) target = bound;
		if (this.cursor === null || ms(target) > ms(this.cursor)) this.cursor = target;
		const cursorMs = ms(this.cursor);
		for (const [id, at] of this.sent) if (at < cursorMs) this.sent.delete(id);
	}
}
