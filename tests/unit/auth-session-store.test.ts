import { afterEach, describe, expect, it } from 'vitest';
import { createMemorySessionStore, type MemorySessionStore } from '#lib/auth/session-store.ts';

const minute = 60_000;
let clock = 0;
let store: MemorySessionStore;
const newStore = () => (store = createMemorySessionStore({ idleMs: 30 * minute, absoluteMs: 12 * 60 * minute }, { now: () => clock }));
afterEach(() => store?.close());

describe('in-memory session store', () => {
	it('gives every session a fresh, unguessable id of 256 bits', async () => {
		newStore();
		const ids = new Set<string>();
		for (let i = 0; i < 200; i++) ids.add((await store.create('alice', new Map())).id);
		expect(ids.size).toBe(200);
		for (const id of ids) expect(Buffer.from(id, 'base64url')).toHaveLength(32);
	});

	it('resumes a session until it has been idle for the idle timeout; each use restarts the idle timer', async () => {
		clock = 0;
		newStore();
		const { id } = await store.create('alice', new Map());
		clock = 29 * minute;
		expect((await store.resume(id))?.username).toBe('alice');
		clock = 58 * minute; // 29 min after the last use
		expect(await store.isActive(id)).toBe(true); // checking is not using
		expect(await store.resume(id)).toBeDefined();
		clock = 88 * minute - 1;
		expect(await store.isActive(id)).toBe(true);
		clock = 88 * minute; // 30 min idle
		expect(await store.resume(id)).toBeUndefined();
		expect(store.size).toBe(0);
	});

	it('ends a session at the absolute timeout however active it is', async () => {
		clock = 0;
		newStore();
		const { id } = await store.create('alice', new Map());
		for (clock = 0; clock < 12 * 60 * minute; clock += 20 * minute) expect(await store.resume(id)).toBeDefined();
		clock = 12 * 60 * minute;
		expect(await store.resume(id)).toBeUndefined();
	});

	it('refuses an id after destroy, and ids it never issued', async () => {
		clock = 0;
		newStore();
		const { id } = await store.create('alice', new Map());
		expect(await store.isActive(id)).toBe(true);
		await store.destroy(id);
		expect(await store.isActive(id)).toBe(false);
		expect(await store.resume(id)).toBeUndefined();
		expect(await store.resume('made-up')).toBeUndefined();
	});

	it('sweeps timed-out sessions without being asked for them', async () => {
		clock = 0;
		newStore();
		await store.create('alice', new Map());
		clock = 10 * minute;
		const { id } = await store.create('bob', new Map());
		clock = 35 * minute;
		await store.sweep();
		expect(store.size).toBe(1);
		expect((await store.resume(id))?.username).toBe('bob');
	});

	it('keeps the upstream cookies server-side and replaces them on update', async () => {
		clock = 0;
		newStore();
		const { id } = await store.create('alice', new Map());
		const cookie = { name: 'gw', value: 'v2', domain: 'wb', hostOnly: true, path: '/', secure: false };
		await store.setUpstream(id, new Map([['gw;wb;/', cookie]]));
		expect([...(await store.resume(id))!.upstream.values()]).toEqual([cookie]);
	});
});
