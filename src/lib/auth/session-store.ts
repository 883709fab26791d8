/**
 * Flowdeck's server-side sessions: the browser holds only an opaque id (256 bits from the CSPRNG); the username
 * and upstream cookies live here. Sessions end after an idle timeout and an absolute timeout. The store keys
 * sessions by a SHA-256 of the id, so its contents alone cannot be replayed as cookies.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { CookieJar } from './cookies.ts';

export interface Session {
	/** The opaque id the browser holds (only in the cookie; never logged). */
	id: string;
	username: string;
	upstream: CookieJar;
	createdAt: number;
	lastSeenAt: number;
}

export interface SessionStore {
	/** A new session with a fresh id; ids are never reused or chosen by the client. */
	create(username: string, upstream: CookieJar): Promise<Session>;
	/** The live session for this id (its idle timer restarted), or undefined when unknown or timed out. */
	resume(id: string): Promise<Session | undefined>;
	/** True while the session exists and has not timed out; unlike resume, it does not count as activity. */
	isActive(id: string): Promise<boolean>;
	/** Replaces the upstream cookies (a workbench re-issuing its sliding session cookie). */
	setUpstream(id: string, upstream: CookieJar): Promise<void>;
	destroy(id: string): Promise<void>;
	/** Removes every timed-out session. */
	sweep(): Promise<void>;
}

export interface SessionTimeouts {
	idleMs: number;
	absoluteMs: number;
}

export const newSessionId = (): string => randomBytes(32).toString('base64url');

const storageKey = (id: string) => createHash('sha256').update(id).digest('base64url');

/** A name for a session that is not its id (for keys of shared reads). */
export const sessionShareKey = storageKey;

export interface MemorySessionStore extends SessionStore {
	readonly size: number;
	/** Stops the periodic sweep (tests, shutdown). */
	close(): void;
}

export function createMemorySessionStore(timeouts: SessionTimeouts, options: { now?: () => number; sweepEveryMs?: number } = {}): MemorySessionStore {
	const now = options.now ?? Date.now;
	const sessions = new Map<string, Omit<Session, 'id'>>();
	const timedOut = (session: Omit<Session, 'id'>, at: number) =>
		at - session.lastSeenAt >= timeouts.idleMs || at - session.createdAt >= timeouts.absoluteMs;

	const store: MemorySessionStore = {
		get size() {
			return sessions.size;
		},
		async create(username, upstream) {
			const id = newSessionId();
			const at = now();
			const session = { username, upstream, createdAt: at, lastSeenAt: at };
			sessions.set(storageKey(id), session);
			return { id, ...session };
		},
		async resume(id) {
			const key = storageKey(id);
			const session = sessions.get(key);
			if (!session) return undefined;
			const at = now();
			if (timedOut(session, at)) {
				sessions.delete(key);
				return undefined;
			}
			session.lastSeenAt = at;
			return { id, ...session };
		},
		async isActive(id) {
			const session = sessions.get(storageKey(id));
			return session !== undefined && !timedOut(session, now());
		},
		async setUpstream(id, upstream) {
			const session = sessions.get(storageKey(id));
			if (session) session.upstream = upstream;
		},
		async destroy(id) {
			sessions.delete(storageKey(id));
		},
		async sweep() {
			const at = now();
			for (const [key, session] of sessions) if (timedOut(session, at)) sessions.delete(key);
		},
		close() {
			clearInterval(timer);
		}
	};
	const timer = setInterval(() => void store.sweep(), options.sweepEveryMs ?? 60_000);
	timer.unref();
	return store;
}
