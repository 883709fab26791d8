/**
 * Flowdeck's server-side sessions: the browser holds only an opaque id (256 bits from the CSPRNG); the username
 * and upstream cookies live here. Sessions end after an idle timeout and an absolute timeout. The store keys
 * sessions by a SHA-256 of the id, so its contents alone cannot be replayed as cookies.
 *
 * The rules (ids, timeouts, what counts as activity) live in one place, createSessionStore; where sessions are
 * kept is a SessionBackend: this process's memory (the default) or Redis (redis-sessions.ts, shared by instances).
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
	/** Stops the periodic sweep and lets go of the backend (tests, shutdown). */
	close(): Promise<void>;
}

export interface SessionTimeouts {
	idleMs: number;
	absoluteMs: number;
}

export type StoredSession = Omit<Session, 'id'>;

/**
 * Where sessions are kept, by storage key. `ttlMs` is how long the session can live at most from now (a backend
 * may forget it after that); `touch` and `setUpstream` never bring back a session that is gone.
 */
export interface SessionBackend {
	get(key: string): Promise<StoredSession | undefined>;
	put(key: string, session: StoredSession, ttlMs: number): Promise<void>;
	touch(key: string, lastSeenAt: number, ttlMs: number): Promise<void>;
	setUpstream(key: string, upstream: CookieJar): Promise<void>;
	delete(key: string): Promise<void>;
	/** Drops the sessions `timedOut` says are over (a backend that expires keys itself may do nothing). */
	sweep(timedOut: (session: StoredSession) => boolean): Promise<void>;
	close(): Promise<void>;
}

export const newSessionId = (): string => randomBytes(32).toString('base64url');

const storageKey = (id: string) => createHash('sha256').update(id).digest('base64url');

/** A name for a session that is not its id (for keys of shared reads). */
export const sessionShareKey = storageKey;

export function createSessionStore(backend: SessionBackend, timeouts: SessionTimeouts, options: { now?: () => number; sweepEveryMs?: number } = {}): SessionStore {
	const now = options.now ?? Date.now;
	/** How long the session may still live at `at`: 0 or less once it has timed out. */
	const remainingMs = (session: StoredSession, at: number) => Math.min(timeouts.idleMs - (at - session.lastSeenAt), timeouts.absoluteMs - (at - session.createdAt));

	const store: SessionStore = {
		async create(username, upstream) {
			const id = newSessionId();
			const at = now();
			const session = { username, upstream, createdAt: at, lastSeenAt: at };
			await backend.put(storageKey(id), session, remainingMs(session, at));
			return { id, ...session };
		},
		async resume(id) {
			const key = storageKey(id);
			const session = await backend.get(key);
			if (!session) return undefined;
			const at = now();
			if (remainingMs(session, at) <= 0) {
				await backend.delete(key);
				return undefined;
			}
			const resumed = { ...session, lastSeenAt: at };
			await backend.touch(key, at, remainingMs(resumed, at));
			return { id, ...resumed };
		},
		async isActive(id) {
			const session = await backend.get(storageKey(id));
			return session !== undefined && remainingMs(session, now()) > 0;
		},
		async setUpstream(id, upstream) {
			await backend.setUpstream(storageKey(id), upstream);
		},
		async destroy(id) {
			await backend.delete(storageKey(id));
		},
		async sweep() {
			const at = now();
			await backend.sweep((session) => remainingMs(session, at) <= 0);
		},
		async close() {
			clearInterval(timer);
			await backend.close();
		}
	};
	const timer = setInterval(() => void store.sweep().catch(() => {}), options.sweepEveryMs ?? 60_000);
	timer.unref();
	return store;
}

export interface MemorySessionStore extends SessionStore {
	readonly size: number;
}

/** Sessions in this process's memory: the embedded default (a restart signs everyone out). */
export function createMemorySessionStore(timeouts: SessionTimeouts, options: { now?: () => number; sweepEveryMs?: number } = {}): MemorySessionStore {
	const sessions = new Map<string, StoredSession>();
	const backend: SessionBackend = {
		async get(key) {
			return sessions.get(key);
		},
		async put(key, session) {
			sessions.set(key, { ...session });
		},
		async touch(key, lastSeenAt) {
			const session = sessions.get(key);
			if (session) session.lastSeenAt = lastSeenAt;
		},
		async setUpstream(key, upstream) {
			const session = sessions.get(key);
			if (session) session.upstream = upstream;
		},
		async delete(key) {
			sessions.delete(key);
		},
		async sweep(timedOut) {
			for (const [key, session] of sessions) if (timedOut(session)) sessions.delete(key);
		},
		async close() {}
	};
	const store = createSessionStore(backend, timeouts, options);
	return Object.defineProperty(store, 'size', { get: () => sessions.size }) as MemorySessionStore;
}
