/**
 * Shared live pollers for Server-Sent Events. One poller ("topic") per watched thing (a run, a list query),
 * shared by every subscriber in the process; it stops when the last subscriber leaves. Each upstream round
 * (Feed.tick) yields only changes; the topic numbers them, keeps the recent ones for Last-Event-ID resume,
 * paces itself by activity and backs off while Prefect fails.
 */
import type { PrefectClient } from '#lib/prefect/client.ts';
import { isPrefectError } from '#lib/prefect/errors.ts';
import type { AnyEvents, EventMap, EventOf, HubEvents, SessionEnd } from '#lib/live-events.ts';

/** An event as sent, `E` being the events of its stream. */
export type LiveEvent<E = EventOf<AnyEvents>> = {
	/** `${epoch}-${seq}`: epoch names one topic's lifetime, so ids from an earlier poller are recognised. */
	id: string;
} & E;

/** Every event of a topic whose feed yields `M` with snapshots `S`: the feed's, the hub's own, the snapshot. */
export type StreamEvent<M extends EventMap, S> = EventOf<M> | EventOf<HubEvents> | { event: 'snapshot'; data: S | undefined };

export type Activity = 'active' | 'idle' | 'final';

export interface FeedTick<M extends EventMap = AnyEvents> {
	events: Array<EventOf<M>>;
	/** active: something runs (fast polling); idle: only waiting runs; final: send `end` and close. */
	activity: Activity;
}

/* Implementations keep their last state to compute changes. */
/** The data behind one topic, yielding the events of `M`; `S` is what a new subscriber gets first. */
export interface Feed<M extends EventMap = AnyEvents, S = unknown> {
	tick(prefect: PrefectClient): Promise<FeedTick<M>>;
	/** Everything a new subscriber needs, as of the last tick (undefined before the first one). */
	snapshot(): S | undefined;
	/** Recent events kept for resume (default: the hub's bufferSize); 1 when each event replaces the ones before. */
	readonly keep?: number;
	/** Rounds without news still at the active pace before it slows down (default 0): for feeds whose round is cheap. */
	readonly patience?: number;
}

export interface Subscriber<E = EventOf<AnyEvents>> {
	/** The subscriber's own Prefect client (its session's credentials). */
	prefect: PrefectClient;
	/**
	 * A signed-in person's Flowdeck session (per-user mode): checked for every subscriber at every tick, so a stream
	 * stops when its own session ends even while another viewer's credentials do the polling. `check` resolves
	 * which session ended ('flowdeck' or 'workbench'), or null while it holds; it must not call upstream.
	 */
	session?: { check(): Promise<SessionEnd | null> };
	send(event: LiveEvent<E>): void;
	/** The hub is done with this subscriber (end of feed, or its credentials expired). */
	close(): void;
}

export interface Clock {
	setTimeout(callback: () => void, ms: number): unknown;
	clearTimeout(handle: unknown): void;
}

export interface HubOptions {
	clock?: Clock;
	activeMs?: number;
	idleMs?: number;
	/** Backoff after failures: base doubling up to max. */
	backoffBaseMs?: number;
	backoffMaxMs?: number;
	/** How many recent events are kept for resume. */
	bufferSize?: number;
	/** Benchmark baseline only: one poller per subscriber instead of one per topic. */
	sharedPollers?: boolean;
}

const systemClock: Clock = {
	setTimeout: (callback, ms) => setTimeout(callback, ms),
	clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>)
};

type TopicOptions = Required<Omit<HubOptions, 'sharedPollers'>>;

let epochCounter = 0;

class Topic<M extends EventMap, S> {
	readonly epoch = `${Date.now().toString(36)}${(epochCounter++).toString(36)}`;
	readonly subscribers = new Set<Subscriber<StreamEvent<M, S>>>();
	private seq = 0;
	private buffer: Array<LiveEvent<StreamEvent<M, S>>> = [];
	private timer: unknown;
	private ticking = false;
	private stopped = false;
	private failures = 0;
	private upstreamDown = false;
	private ticks = 0;
	/** Active ticks in a row that brought no change: the pace slows down with them (see tick). */
	private quietTicks = 0;

	private readonly feed: Feed<M, S>;
	private readonly options: TopicOptions;
	private readonly onEmpty: () => void;

	constructor(feed: Feed<M, S>, options: TopicOptions, onEmpty: () => void) {
		this.feed = feed;
		this.options = options;
		this.onEmpty = onEmpty;
	}

	/** Adds a subscriber: replays what it missed (same epoch, still buffered) or sends a snapshot. */
	add(subscriber: Subscriber<StreamEvent<M, S>>, lastEventId?: string): void {
		this.subscribers.add(subscriber);
		const missed = this.missedSince(lastEventId);
		if (missed) missed.forEach((event) => subscriber.send(event));
		else if (this.ticks > 0) subscriber.send(this.snapshotEvent());
		// Before the first tick completes, the snapshot goes out with it.
		if (this.ticks === 0 && !this.ticking && this.timer === undefined) this.schedule(0);
	}

	remove(subscriber: Subscriber<StreamEvent<M, S>>): void {
		this.subscribers.delete(subscriber);
		if (this.subscribers.size === 0) this.stop();
	}

	get running(): boolean {
		return !this.stopped;
	}

	stop(): void {
		if (this.stopped) return;
		this.stopped = true;
		if (this.timer !== undefined) this.options.clock.clearTimeout(this.timer);
		this.timer = undefined;
		this.onEmpty();
	}

	private missedSince(lastEventId?: string): Array<LiveEvent<StreamEvent<M, S>>> | undefined {
		if (!lastEventId) return undefined;
		const [epoch, seqText] = lastEventId.split('-');
		const seq = Number(seqText);
		if (epoch !== this.epoch || !Number.isInteger(seq)) return undefined;
		if (seq === this.seq) return [];
		const first = this.buffer[0];
		if (!first || Number(first.id.split('-')[1]) > seq + 1) return undefined; // fell out of the buffer
		return this.buffer.filter((event) => Number(event.id.split('-')[1]) > seq);
	}

	private snapshotEvent(): LiveEvent<StreamEvent<M, S>> {
		return { id: `${this.epoch}-${this.seq}`, event: 'snapshot', data: this.feed.snapshot() };
	}

	private emit(change: StreamEvent<M, S>): void {
		const live: LiveEvent<StreamEvent<M, S>> = { id: `${this.epoch}-${++this.seq}`, ...change };
		this.buffer.push(live);
		if (this.buffer.length > (this.feed.keep ?? this.options.bufferSize)) this.buffer.shift();
		for (const subscriber of this.subscribers) subscriber.send(live);
	}

	private schedule(ms: number): void {
		if (this.stopped) return;
		this.timer = this.options.clock.setTimeout(() => {
			this.timer = undefined;
			void this.tick();
		}, ms);
	}

	private async tick(): Promise<void> {
		if (this.stopped || this.ticking) return;
		this.ticking = true;
		let next: number;
		let subscriber: Subscriber<StreamEvent<M, S>> | undefined;
		try {
			await this.endSessions();
			subscriber = [...this.subscribers].at(-1);
			if (!subscriber) return this.stop();
			const result = await this.feed.tick(subscriber.prefect);
			if (this.stopped) return;
			this.failures = 0;
			if (this.upstreamDown) {
				this.upstreamDown = false;
				this.emit({ event: 'upstream', data: { reachable: true } });
			}
			if (this.ticks++ === 0) {
				// First round: everyone who joined meanwhile gets the snapshot (its id is the current seq).
				const snapshot = this.snapshotEvent();
				for (const waiting of this.subscribers) waiting.send(snapshot);
				this.quietTicks = 0;
			} else {
				for (const change of result.events) this.emit(change);
				this.quietTicks = result.events.length ? 0 : this.quietTicks + 1;
			}
			if (result.activity === 'final') {
				this.emit({ event: 'end', data: {} });
				for (const done of [...this.subscribers]) done.close();
				this.subscribers.clear();
				this.stop();
				return;
			}
			// Active: fast right after a change, then doubling with each quiet tick up to the idle pace (a long
			// task that logs nothing costs what an idle run costs; the next change brings the fast pace back).
			const slowing = Math.max(0, this.quietTicks - (this.feed.patience ?? 0));
			next = result.activity === 'active' ? Math.min(this.options.activeMs * 2 ** slowing, Math.max(this.options.activeMs, this.options.idleMs)) : this.options.idleMs;
		} catch (error) {
			if (this.stopped) return;
			if (isPrefectError(error, 'unauthorized') && subscriber?.session) {
				// This subscriber's upstream session is gone; others may still have theirs.
				this.expire(subscriber, (await subscriber.session.check()) ?? 'workbench');
				next = 0;
			} else {
				// Shared credentials (service account, API key) refused even after signing in again: an upstream failure.
				this.failures++;
				if (!this.upstreamDown) {
					this.upstreamDown = true;
					this.emit({ event: 'upstream', data: { reachable: false, message: isPrefectError(error) ? error.message : 'Prefect request failed' } });
				}
				next = Math.min(this.options.backoffMaxMs, this.options.backoffBaseMs * 2 ** (this.failures - 1));
			}
		} finally {
			this.ticking = false;
		}
		this.schedule(next);
	}

	/** Closes, with `auth-expired`, the streams of every subscriber whose session ended (sign-out, timeout, expiry). */
	private async endSessions(): Promise<void> {
		const subscribers = [...this.subscribers].filter((subscriber) => subscriber.session);
		const ended = await Promise.all(subscribers.map((subscriber) => subscriber.session!.check()));
		subscribers.forEach((subscriber, index) => {
			const end = ended[index];
			if (end && this.subscribers.has(subscriber)) this.expire(subscriber, end);
		});
	}

	private expire(subscriber: Subscriber<StreamEvent<M, S>>, ended: SessionEnd): void {
		subscriber.send({ id: `${this.epoch}-${this.seq}`, event: 'auth-expired', data: { ended } });
		subscriber.close();
		this.remove(subscriber);
	}
}

export class LiveHub {
	/** Topics by key, whatever their events (a key names one feed type: the caller's createFeed). */
	private readonly topics = new Map<string, Topic<AnyEvents, unknown>>();
	private readonly options: TopicOptions;
	private readonly shared: boolean;
	private privateKeys = 0;

	constructor(options: HubOptions = {}) {
		this.options = {
			clock: options.clock ?? systemClock,
			activeMs: options.activeMs ?? 1000,
			idleMs: options.idleMs ?? 5000,
			backoffBaseMs: options.backoffBaseMs ?? 1000,
			backoffMaxMs: options.backoffMaxMs ?? 30_000,
			bufferSize: options.bufferSize ?? 1000
		};
		this.shared = options.sharedPollers ?? true;
	}

	/** Subscribes to `key`, creating its poller with `createFeed` if none runs. Returns the unsubscribe function. */
	subscribe<M extends EventMap, S>(key: string, createFeed: () => Feed<M, S>, subscriber: Subscriber<StreamEvent<M, S>>, lastEventId?: string): () => void {
		const topicKey = this.shared ? key : `${key}#${this.privateKeys++}`;
		let topic = this.topics.get(topicKey) as Topic<M, S> | undefined;
		if (!topic || !topic.running) {
			const created = new Topic(createFeed(), this.options, () => {
				if (this.topics.get(topicKey) === (created as object)) this.topics.delete(topicKey);
			});
			topic = created;
			this.topics.set(topicKey, created as unknown as Topic<AnyEvents, unknown>);
		}
		const joined = topic;
		joined.add(subscriber, lastEventId);
		return () => joined.remove(subscriber);
	}

	/** Pollers running now (for tests and the benchmark). */
	get pollerCount(): number {
		return this.topics.size;
	}

	subscriberCount(key: string): number {
		return this.topics.get(key)?.subscribers.size ?? 0;
	}
}
