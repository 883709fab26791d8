/**
 * Sessions in Redis (any Redis-protocol server), so that several Flowdeck instances share their users and a
 * restart signs nobody out. Each session is a hash: `sealed` holds the username, creation time and upstream
 * cookies encrypted with AES-256-GCM (key derived from FLOWDECK_SESSION_SECRET, bound to the session's key),
 * `seen` the last activity in clear. Keys expire in Redis when the session would time out.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { z } from 'zod';
import type { CookieJar, UpstreamCookie } from './cookies.ts';
import { createSessionStore, type SessionBackend, type SessionStore, type SessionTimeouts, type StoredSession } from './session-store.ts';

const PREFIX = 'flowdeck:session:';

const Sealed = z.object({
	username: z.string(),
	createdAt: z.number(),
	upstream: z.array(
		z.tuple([z.string(), z.object({ name: z.string(), value: z.string(), domain: z.string(), hostOnly: z.boolean(), path: z.string(), secure: z.boolean(), expiresAt: z.number().optional() })])
	)
});

/** Encryption of session contents at rest; `context` (the storage key) must match to open, so records cannot be swapped. */
export function sessionSealer(secret: string) {
	const key = Buffer.from(hkdfSync('sha256', secret, 'flowdeck', 'session-store v1', 32));
	return {
		seal(plain: string, context: string): string {
			const iv = randomBytes(12);
			const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(context));
			const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
			return `v1.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
		},
		/** The plain text, or undefined when the record was not sealed with this secret for this context. */
		open(sealed: string, context: string): string | undefined {
			if (!sealed.startsWith('v1.')) return undefined;
			const raw = Buffer.from(sealed.slice(3), 'base64url');
			try {
				const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, 12)).setAAD(Buffer.from(context));
				decipher.setAuthTag(raw.subarray(12, 28));
				return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
			} catch {
				return undefined;
			}
		}
	};
}

// Only while the session still exists: a late touch or cookie update never brings back a destroyed session.
const TOUCH = `if redis.call('exists', KEYS[1]) == 1 then redis.call('hset', KEYS[1], 'seen', ARGV[1]); redis.call('pexpire', KEYS[1], ARGV[2]) end`;
const SET_SEALED = `if redis.call('exists', KEYS[1]) == 1 then redis.call('hset', KEYS[1], 'sealed', ARGV[1]) end`;

export function redisSessionBackend(url: string, secret: string): SessionBackend {
	const redis = new Redis(url, { maxRetriesPerRequest: 2, connectTimeout: 5000, commandTimeout: 5000, lazyConnect: true });
	// Connection problems are retried by the client and surface in the failing request: do not crash the process.
	redis.on('error', (error: Error) => console.error(`[flowdeck] session store (Redis): ${error.message}`));
	const sealer = sessionSealer(secret);
	const seal = (key: string, session: Pick<StoredSession, 'username' | 'createdAt' | 'upstream'>) =>
		sealer.seal(JSON.stringify({ username: session.username, createdAt: session.createdAt, upstream: [...session.upstream] }), key);

	return {
		async get(key) {
			const fields = await redis.hgetall(PREFIX + key);
			if (!fields.sealed || !fields.seen) return undefined;
			const plain = sealer.open(fields.sealed, key);
			if (plain === undefined) return undefined; // another secret (rotated) or tampered: not a session
			const parsed = Sealed.safeParse(JSON.parse(plain));
			if (!parsed.success) return undefined;
			const upstream: CookieJar = new Map<string, UpstreamCookie>(parsed.data.upstream);
			return { username: parsed.data.username, createdAt: parsed.data.createdAt, lastSeenAt: Number(fields.seen), upstream };
		},
		async put(key, session, ttlMs) {
			await redis
				.multi()
				.hset(PREFIX + key, { sealed: seal(key, session), seen: String(session.lastSeenAt) })
				.pexpire(PREFIX + key, Math.max(1, Math.ceil(ttlMs)))
				.exec();
		},
		async touch(key, lastSeenAt, ttlMs) {
			await redis.eval(TOUCH, 1, PREFIX + key, String(lastSeenAt), String(Math.max(1, Math.ceil(ttlMs))));
		},
		async setUpstream(key, upstream) {
			const session = await this.get(key);
			if (session) await redis.eval(SET_SEALED, 1, PREFIX + key, seal(key, { ...session, upstream }));
		},
		async delete(key) {
			await redis.del(PREFIX + key);
		},
		async sweep() {
			// Redis expires each key when its session would time out.
		},
		async close() {
			await redis.quit().catch(() => redis.disconnect());
		}
	};
}

export function createRedisSessionStore(url: string, secret: string, timeouts: SessionTimeouts, options: { now?: () => number } = {}): SessionStore {
	return createSessionStore(redisSessionBackend(url, secret), timeouts, options);
}
