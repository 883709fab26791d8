import { describe, expect, it } from 'vitest';
import { parsePoolChange } from '#lib/server/work-pools.ts';

const form = (entries: Record<string, string>) => {
	const data = new FormData();
	for (const [key, value] of Object.entries(entries)) data.set(key, value);
	return data;
};

describe('parsePoolChange', () => {
	it('reads pause/resume and limits of a pool or a queue', () => {
		expect(parsePoolChange(form({ pool: 'p', paused: 'yes' }))).toEqual({ pool: 'p', queue: null, change: { is_paused: true } });
		expect(parsePoolChange(form({ pool: 'p', queue: 'default', limit: '3' }))).toEqual({ pool: 'p', queue: 'default', change: { concurrency_limit: 3 } });
		// Empty: no limit.
		expect(parsePoolChange(form({ pool: 'p', limit: ' ' }))).toEqual({ pool: 'p', queue: null, change: { concurrency_limit: null } });
	});

	it('refuses what Prefect would refuse, with the reason', () => {
		for (const limit of ['-1', '2.5', 'two']) expect(parsePoolChange(form({ pool: 'p', limit }))).toEqual({ error: expect.stringContaining('whole number') });
		expect(parsePoolChange(form({ limit: '1' }))).toEqual({ error: 'Name the work pool.' });
		expect(parsePoolChange(form({ pool: 'p', queue: '', paused: 'no' }))).toEqual({ error: 'Name the queue.' });
		expect(parsePoolChange(form({ pool: 'p' }))).toEqual({ error: expect.stringContaining('Say what to change') });
	});
});
