import { describe, expect, it } from 'vitest';
import type { PrefectClient } from '#lib/prefect/client.ts';
import { PrefectError } from '#lib/prefect/errors.ts';
import type { SessionEnd } from '#lib/live-events.ts';
import { LiveHub, type Clock, type Feed, type FeedTick, type LiveEvent, type Subscriber } from '#lib/server/live/hub.ts';

/** A clock that only moves when told to. */
class FakeClock implements Clock {
	now = 0;
	private timers: Array<{ at: number; callback: () => void; handle: number }> = [];
	private nextHandle = 1;
	setTimeout(callback: () => void, ms: number) {
		const handle = this.nextHandle++;
		this.timers.push({ at: this.now + ms, callback, handle });
		return handle;
	}
	clearTimeout(handle: unknown) {
		this.timers = this.timers.filter((timer) => timer.handle !== handle);
	}
	get pending() {
		return this.timers.length;
	}
	/** Advances time, running due timers and letting their promises settle. */
	async advance(ms: number) {
		const until = this.now + ms;
		for (;;) {
			this.timers.sort((a, b) => a.at - b.at);
			const due = this.timers[0];
			if (!due || due.at > until) break;
			this.timers.shift();
			this.now = due.at;
			due.callback();
			for (let i = 0; i < 10; i++) await Promise.resolve();
		}
		this.now = until;
	}
}

/** A feed whose every tick is scripted; counts upstream rounds. */
class ScriptedFeed implements Feed {
	ticks = 0;
	state = 0;
	script: Array<() => FeedTick> = [];
	async tick(): Promise<FeedTick> {
		this.ticks++;
		const step = this.script.shift();
		if (step) return step();
		return { events: [], activity: 'active' };
	}
	snapshot() {
		return { state: this.state };
	}
}

function subscriber(prefect = {} as PrefectClient) {
	const events: LiveEvent[] = [];
	let closed = false;
	const sub: Subscriber = { prefect, send: (event) => events.push(event), close: () => (closed = true) };
	return { sub, events, closed: () => closed };
}

/** A signed-in person's subscriber: `end` (which session ended) is what its session check answers. */
function signedIn() {
	const s = subscriber();
	const session = { ended: null as SessionEnd | null, checks: 0 };
	s.sub.session = {
		check: async () => {
			session.checks++;
			return session.ended;
		}
	};
	return { ...s, session };
}

const change = (n: number): FeedTick => ({ events: [{ event: 'run', data: { n } }], activity: 'active' });

describe('LiveHub', () => {
	it('serves N subscribers of one key from one poller, each starting with a snapshot', async () => {
		const clock = new FakeClock();
		const hub = new LiveHub({ clock, activeMs: 1000 });
		const feed = new ScriptedFeed();
		let created = 0;
		const make = () => (created++, feed);
		const subs = Array.from({ length: 50 }, () => subscriber());
		subs.forEach(({ sub }) => hub.subscribe('run:1', make, sub));
		expect(created).toBe(1);
		expect(hub.pollerCount).toBe(1);
		await clock.advance(0);
		expect(feed.ticks).toBe(1);
		expect(subs.every(({ events }) => events[0]?.event === 'snapshot')).toBe(true);
		feed.script.push(() => change(1));
		await clock.advance(1000);
		expect(feed.ticks).toBe(2);
		expect(subs.every(({ events }) => events[1]?.event === 'run')).toBe(true);
	});

	it('stops polling when the last subscriber leaves, and starts a new poller for the next one', async () => {
		const clock = new FakeClock();
		const hub = new LiveHub({ clock });
		const feed = new ScriptedFeed();
		const a = subscriber();
		const b = subscriber();
		const leaveA = hub.subscribe('run:1', () => feed, a.sub);
		const leaveB = hub.subscribe('run:1', () => feed, b.sub);
		await clock.advance(0);
		leaveA();
		expect(hub.pollerCount).toBe(1);
		leaveB();
		expect(hub.pollerCount).toBe(0);
		expect(clock.pending).toBe(0);
		const ticks = feed.ticks;
		await clock.advance(60_000);
		expect(feed.ticks).toBe(ticks);
		const fresh = new ScriptedFeed();
		hub.subscribe('run:1', () => fresh, subscriber().sub);
		await clock.advance(0);
		expect(fresh.ticks).toBe(1);
	});

	it('replays exactly the missed events to a subscriber resuming with Last-Event-ID', async () => {
		const clock = new FakeClock();
		const hub = new LiveHub({ clock, activeMs: 1000 });
		const feed = new ScriptedFeed();
		const keeper = subscriber(); // keeps the poller alive meanwhile
		hub.subscribe('run:1', () => feed, keeper.sub);
		const first = subscriber();
		const leave = hub.subscribe('run:1', () => feed, first.sub);
		await clock.advance(0);
		feed.script.push(
			() => change(1),
			() => change(2),
			() => change(3)
		);
		await clock.advance(1000);
		const lastSeen = first.events.at(-1)!.id;
		leave();
		await clock.advance(2000); // changes 2 and 3 happen while it is away
		const back = subscriber();
		hub.subscribe('run:1', () => feed, back.sub, lastSeen);
		expect(back.events.map((event) => (event.data as { n: number }).n)).toEqual([2, 3]);
		expect(back.events.map((event) => event.id)).toEqual(keeper.events.slice(-2).map((event) => event.id));
	});

	it('sends a snapshot to a resume id from an earlier poller', async () => {
		const clock = new FakeClock();
		const hub = new LiveHub({ clock });
		const feed = new ScriptedFeed();
		const s = subscriber();
		hub.subscribe('run:1', () => feed, s.sub, 'oldepoch-7');
		await clock.advance(0);
		expect(s.events.map((event) => event.event)).toEqual(['snapshot']);
	});

	it('backs off while Prefect fails, says so once, and says when it is back', async () => {
		const clock = new FakeClock();
		const hub = new LiveHub({ clock, activeMs: 1000, backoffBaseMs: 1000, backoffMaxMs: 8000 });
		const feed = new ScriptedFeed();
		const s = subscriber();
		hub.subscribe('run:1', () => feed, s.sub);
		await clock.advance(0);
		const down = () => {
			throw new PrefectError('unreachable', 'Prefect is unreachable at http://x');
		};
		feed.script.push(down, down, down, down, down);
		const tickTimes: number[] = [];
		const original = feed.tick.bind(feed);
		feed.tick = async () => {
			tickTimes.push(clock.now);
			return original();
		};
		await clock.advance(1000 + 1000 + 2000 + 4000 + 8000 + 8000);
		// Intervals after each failure: 1 s, 2 s, 4 s, 8 s, then capped at 8 s.
		expect(tickTimes.slice(0, 6)).toEqual([1000, 2000, 4000, 8000, 16000, 24000]);
		const upstream = s.events.filter((event) => event.event === 'upstream').map((event) => event.data);
		expect(upstream).toEqual([{ reachable: false, message: 'Prefect is unreachable at http://x' }, { reachable: true }]);
	});

	it('ends the stream of a subscriber whose upstream session expired, and keeps serving the others', async () => {
		const clock = new FakeClock();
		const hub = new LiveHub({ clock });
		const feed = new ScriptedFeed();
		const other = signedIn();
		const expired = signedIn();
		hub.subscribe('run:1', () => feed, other.sub);
		hub.subscribe('run:1', () => feed, expired.sub); // the newest subscriber's client is used first
		await clock.advance(0);
		feed.script.push(
			() => {
				expired.session.ended = 'workbench'; // what its credentials record when upstream refuses them
				throw new PrefectError('unauthorized', 'not authorized (401)');
			},
			() => change(5)
		);
		await clock.advance(1000);
		expect(expired.events.at(-1)).toMatchObject({ event: 'auth-expired', data: { ended: 'workbench' } });
		expect(expired.closed()).toBe(true);
		expect(hub.subscriberCount('run:1')).toBe(1);
		await clock.advance(1000);
		expect(other.events.at(-1)?.event).toBe('run');
	});

	it("checks every subscriber's session at each tick: one who signed out stops, though another's credentials poll", async () => {
		const clock = new FakeClock();
		const hub = new LiveHub({ clock });
		const feed = new ScriptedFeed();
		const a = signedIn();
		const b = signedIn();
		hub.subscribe('run:1', () => feed, a.sub);
		hub.subscribe('run:1', () => feed, b.sub); // B joins: B's client polls from now on
		await clock.advance(0);
		a.session.ended = 'flowdeck'; // A signs out (or idles out)
		feed.script.push(() => change(1));
		await clock.advance(1000);
		expect(a.events.at(-1)).toMatchObject({ event: 'auth-expired', data: { ended: 'flowdeck' } });
		expect(a.closed()).toBe(true);
		expect(a.events.some((event) => event.event === 'run')).toBe(false);
		expect(b.events.at(-1)).toMatchObject({ event: 'run', data: { n: 1 } });
		expect(b.closed()).toBe(false);
		expect(hub.subscriberCount('run:1')).toBe(1);
		expect(b.session.checks).toBeGreaterThanOrEqual(2);
	});

	it('treats a refusal of shared credentials (service account, API key) as an upstream failure, never as auth-expired', async () => {
		const clock = new FakeClock();
		const hub = new LiveHub({ clock });
		const feed = new ScriptedFeed();
		const s = subscriber();
		hub.subscribe('run:1', () => feed, s.sub);
		await clock.advance(0);
		feed.script.push(() => {
			throw new PrefectError('unauthorized', 'service-account sign-in failed');
		});
		await clock.advance(1000);
		expect(s.events.at(-1)).toMatchObject({ event: 'upstream', data: { reachable: false } });
		expect(s.closed()).toBe(false);
	});

	it('sends end and closes everyone when the feed is final', async () => {
		const clock = new FakeClock();
		const hub = new LiveHub({ clock });
		const feed = new ScriptedFeed();
		const s = subscriber();
		hub.subscribe('run:1', () => feed, s.sub);
		await clock.advance(0);
		feed.script.push(() => ({ events: [{ event: 'run', data: { n: 9 } }], activity: 'final' }));
		await clock.advance(1000);
		expect(s.events.map((event) => event.event)).toEqual(['snapshot', 'run', 'end']);
		expect(s.closed()).toBe(true);
		expect(hub.pollerCount).toBe(0);
	});

	it('polls slower while only idle runs are watched', async () => {
		const clock = new FakeClock();
		const hub = new LiveHub({ clock, activeMs: 1000, idleMs: 5000 });
		const feed = new ScriptedFeed();
		hub.subscribe('run:1', () => feed, subscriber().sub);
		feed.script.push(
			() => ({ events: [], activity: 'idle' }),
			() => ({ events: [], activity: 'idle' })
		);
		await clock.advance(0);
		await clock.advance(4999);
		expect(feed.ticks).toBe(1);
		await clock.advance(1);
		expect(feed.ticks).toBe(2);
	});

	it('slows an active feed down while its ticks bring nothing new, and speeds up on the next change', async () => {
		const clock = new FakeClock();
		const hub = new LiveHub({ clock, activeMs: 1000, idleMs: 5000 });
		const feed = new ScriptedFeed();
		hub.subscribe('run:1', () => feed, subscriber().sub);
		const quiet = (): FeedTick => ({ events: [], activity: 'active' });
		feed.script.push(quiet, quiet, quiet, quiet, () => change(1), quiet);
		await clock.advance(0); // first round (the first scripted step): the snapshot
		const at: number[] = [];
		for (let ms = 0, last = feed.ticks; ms < 20_000; ms += 250) {
			await clock.advance(250);
			if (feed.ticks !== last) (at.push(ms + 250), (last = feed.ticks));
		}
		// Quiet ticks 1, 2 and 4 s apart, then 5 s (the idle pace caps it) to the change; then 1 s, 2 s again.
		expect(at.slice(0, 6)).toEqual([1000, 3000, 7000, 12_000, 13_000, 15_000]);
	});

	it("keeps an active feed's pace for as many quiet ticks as its patience before slowing down", async () => {
		const clock = new FakeClock();
		const hub = new LiveHub({ clock, activeMs: 1000, idleMs: 5000 });
		const feed = Object.assign(new ScriptedFeed(), { patience: 1 });
		hub.subscribe('run:1', () => feed, subscriber().sub);
		await clock.advance(0);
		const at: number[] = [];
		for (let ms = 0, last = feed.ticks; ms < 13_000; ms += 250) {
			await clock.advance(250);
			if (feed.ticks !== last) (at.push(ms + 250), (last = feed.ticks));
		}
		// Quiet ticks 1, 1, 2 and 4 s apart, then 5 s.
		expect(at.slice(0, 5)).toEqual([1000, 2000, 4000, 8000, 13_000]);
	});

	it('gives every subscriber its own poller in the benchmark baseline mode', async () => {
		const hub = new LiveHub({ clock: new FakeClock(), sharedPollers: false });
		for (let i = 0; i < 5; i++) hub.subscribe('run:1', () => new ScriptedFeed(), subscriber().sub);
		expect(hub.pollerCount).toBe(5);
	});
});
