import { describe, expect, it } from 'vitest';
import type { PrefectClient } from '#lib/prefect/client.ts';
import type { Log, LogFilterBody } from '#lib/prefect/schemas.ts';
import { LogCursor } from '#lib/server/log-cursor.ts';
import { countLogs } from '#lib/server/run-logs.ts';

/** Prefect's /logs/filter over a table that grows: after_ inclusive, sorted by timestamp, limit/offset. */
function fakeLogs() {
	const table: Log[] = [];
	let sorted: Log[] = [];
	let sortedSize = -1;
	const filter = async (body: LogFilterBody): Promise<Log[]> => {
		if (sortedSize !== table.length) {
			sorted = [...table].sort((a, b) => a.timestamp.localeCompare(b.timestamp));
			sortedSize = table.length;
		}
		const after = body.logs?.timestamp?.after_;
		const rows = body.sort === 'TIMESTAMP_DESC' ? [...sorted].reverse() : sorted;
		let first = 0;
		if (after && body.sort !== 'TIMESTAMP_DESC') {
			let high = rows.length;
			while (first < high) {
				const middle = (first + high) >> 1;
				if (rows[middle]!.timestamp < after) first = middle + 1;
				else high = middle;
			}
		}
		return rows.slice(first + (body.offset ?? 0), first + (body.offset ?? 0) + (body.limit ?? 200));
	};
	const prefect = {
		logs: {
			filter,
			filterAll: async (body: LogFilterBody, max: number) => (await filter({ ...body, limit: max, offset: 0 })).slice(0, max)
		}
	} as unknown as PrefectClient;
	return { table, prefect };
}

let serial = 0;
const line = (stampedMs: number, storedMs: number): Log => ({
	id: `log-${++serial}`,
	created: new Date(storedMs).toISOString(),
	timestamp: new Date(stampedMs).toISOString(),
	name: 'test',
	level: 20,
	message: `line ${serial}`,
	flow_run_id: 'run',
	task_run_id: null
});

describe('LogCursor', () => {
	it("starts from a page's tail: the next read gives only what follows, older lines left out when the tail was full", async () => {
		const { table, prefect } = fakeLogs();
		const start = Date.UTC(2026, 0, 1);
		for (let index = 0; index < 10; index++) table.push(line(start + index * 1000, start + index * 1000));
		// The page read the latest 4 (a full tail): the 6 older lines are for the download, not for the stream.
		const tail = table.slice(-4);
		const cursor = new LogCursor(500);
		cursor.start(tail, 4);
		table.push(line(start + 10_000, start + 10_000), line(start + 11_000, start + 11_000));
		expect((await cursor.read(prefect, {})).map((log) => log.message)).toEqual(table.slice(-2).map((log) => log.message));
		expect(await cursor.read(prefect, {})).toEqual([]);

		// A tail that was not full is the whole log: a line stamped before it but stored now still comes.
		const { table: other, prefect: otherPrefect } = fakeLogs();
		other.push(line(start + 5000, start + 5000));
		const whole = new LogCursor(500);
		whole.start([...other], 4);
		other.push(line(start + 1000, start + 6000));
		expect((await whole.read(otherPrefect, {})).map((log) => log.id)).toEqual([other[1]!.id]);
	});

	it('follows a run writing 1,000 lines a second, stored in late, out-of-order batches, losing and repeating nothing', async () => {
		const { table, prefect } = fakeLogs();
		const cursor = new LogCursor(500);
		const start = Date.UTC(2026, 0, 1);
		const sent: string[] = [];
		sent.push(...(await cursor.read(prefect, {})).map((log) => log.id));
		// 30 s of a chatty run: each second, three processes each flush a batch stamped over the last 2-5 s.
		for (let second = 1; second <= 30; second++) {
			const now = start + second * 1000;
			for (let process = 0; process < 3; process++) {
				const lateness = 2000 + process * 1500;
				for (let index = 0; index < 333; index++) table.push(line(now - lateness + (index * 1000) / 333, now));
			}
			sent.push(...(await cursor.read(prefect, {})).map((log) => log.id));
		}
		// The feed keeps reading a while after the end: late lines come with the next sweep.
		for (let read = 0; read < 5; read++) sent.push(...(await cursor.read(prefect, {})).map((log) => log.id));
		expect(new Set(sent).size).toBe(sent.length);
		expect(sent.length).toBe(table.length);
	});

	it('reads a burst bigger than one read over several reads, moving forward', async () => {
		const { table, prefect } = fakeLogs();
		const cursor = new LogCursor(10);
		await cursor.read(prefect, {});
		const start = Date.UTC(2026, 0, 1);
		for (let index = 0; index < 12_000; index++) table.push(line(start + index, start + 12_000));
		const sent: string[] = [];
		for (let read = 0; read < 8; read++) sent.push(...(await cursor.read(prefect, {})).map((log) => log.id));
		expect(new Set(sent).size).toBe(12_000);
		expect(sent.length).toBe(12_000);
	});

	it('starts from the latest lines and then sends only new ones', async () => {
		const { table, prefect } = fakeLogs();
		const start = Date.UTC(2026, 0, 1);
		for (let index = 0; index < 50; index++) table.push(line(start + index * 10, start + 1000));
		const cursor = new LogCursor(20);
		const first = await cursor.read(prefect, {});
		expect(first.map((log) => log.message)).toEqual(table.slice(-20).map((log) => log.message));
		table.push(line(start + 995, start + 3000));
		expect((await cursor.read(prefect, {})).map((log) => log.id)).toEqual([table.at(-1)!.id]);
		expect(await cursor.read(prefect, {})).toEqual([]);
	});
});

describe('countLogs', () => {
	it('counts exactly without reading the lines', async () => {
		for (const lines of [0, 1, 2, 5, 200, 201, 1023, 1024, 20_007]) {
			const { table, prefect } = fakeLogs();
			for (let index = 0; index < lines; index++) table.push(line(index, index));
			expect(await countLogs(prefect, {})).toBe(lines);
		}
	});
});
