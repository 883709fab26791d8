/**
 * npm run bench -- load: many people browsing at once while many streams are open, against a real Prefect 2.13.7
 * on PostgreSQL and the built Flowdeck server, once with shared reads off (the baseline) and once on
 * (FLOWDECK_SHARED_READS), in the same run. Bounded: a fixed number of users and streams for a fixed time, all
 * on 127.0.0.1. Reports p50/p95/max page time, errors, and upstream Prefect requests per page view.
 */
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPrefectClient, type PrefectClient } from '#lib/prefect/client.ts';
import { startLocalServer } from '../scripts/lib/local-server.ts';
import { freePort, sleep } from '../scripts/lib/processes.ts';
import { ensureSystemPackages } from '../scripts/lib/system-packages.ts';
import { startCountingProxy, type CountingProxy } from '../tests/helpers/counting-proxy.ts';
import { openSse, type SseConnection } from '../tests/helpers/sse-client.ts';
import { buildUi, startFlowdeck } from './servers.ts';

export const LOAD_LIMITS = { users: 200, streams: 1000, seconds: 300 };
const PAGE_TIMEOUT_MS = 30_000;
const THINK_MS = 500;

const CLOCK_TICKS_PER_SECOND = 100;

/**
 * CPU time (ms) used so far by the processes of each process group in `groups`, and by PostgreSQL (its own
 * groups, run as the postgres account): the machine is shared by the load, Flowdeck, Prefect and its database.
 */
function cpuMs(groups: Record<string, number>): Record<string, number> {
	const totals: Record<string, number> = Object.fromEntries([...Object.keys(groups), 'postgres'].map((name) => [name, 0]));
	for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
		let stat: string;
		try {
			stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
		} catch {
			continue; // ended meanwhile
		}
		const command = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
		const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		const [pgid, utime, stime] = [Number(fields[2]), Number(fields[11]), Number(fields[12])];
		const ms = ((utime + stime) * 1000) / CLOCK_TICKS_PER_SECOND;
		const group = Object.entries(groups).find(([, id]) => id === pgid)?.[0] ?? (command.startsWith('postgres') ? 'postgres' : undefined);
		if (group) totals[group]! += ms;
	}
	return totals;
}

/** /runs/<uuid> → /runs/[id]: one kind per route. */
const pageKind = (path: string) => path.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/, '[id]');

const percentile = (values: number[], p: number) => {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
};

export interface Options {
	users: number;
	streams: number;
	seconds: number;
}

interface Result {
	sharing: 'off' | 'on';
	pages: number;
	/** p95 per kind of page, to see which one holds the tail. */
	p95ByKind: Record<string, number>;
	/** CPU milliseconds per page view, by process group (streams included). */
	cpuPerPage: { flowdeck: number; prefect: number; postgres: number };
	/** The most frequent upstream calls. */
	upstreamByPath: [string, number][];
	errors: number;
	p50: number;
	p95: number;
	max: number;
	upstreamPerPage: number;
	streamsOpen: number;
}

/** Flows, and runs in every state on them, so the pages have something to show. */
async function seed(prefect: PrefectClient): Promise<{ runIds: string[]; flowIds: string[] }> {
	const states = [
		{ type: 'COMPLETED', name: 'Completed' },
		{ type: 'FAILED', name: 'Failed' },
		{ type: 'RUNNING', name: 'Running' },
		{ type: 'SCHEDULED', name: 'Scheduled' },
		{ type: 'CANCELLED', name: 'Cancelled' }
	] as const;
	const flowIds: string[] = [];
	const runIds: string[] = [];
	for (let f = 0; f < 4; f++) {
		const flow = await prefect.flows.create(`bench-load-flow-${f}`);
		flowIds.push(flow.id);
		for (let r = 0; r < 25; r++) {
			const state = states[(f * 25 + r) % states.length]!;
			runIds.push((await prefect.flowRuns.create(flow.id, { name: `bench-load-${f}-${r}`, state: { ...state } })).id);
		}
	}
	return { runIds, flowIds };
}

async function measure(sharing: 'on' | 'off', options: Options, proxy: CountingProxy, data: { runIds: string[]; flowIds: string[] }, prefectGroup: number): Promise<Result> {
	const flowdeck = await startFlowdeck({ PREFECT_API_URL: `${proxy.url}/api`, FLOWDECK_SHARED_READS: sharing });
	const streams: SseConnection[] = [];
	try {
		// Streams: the dashboard, the runs list, and the pages of 10 runs, opened 50 at a time.
		const streamUrls = ['/events', '/runs/events', ...data.runIds.slice(0, 10).map((id) => `/runs/${id}/events`)];
		for (let i = 0; i < options.streams; i += 50) {
			const batch = await Promise.allSettled(Array.from({ length: Math.min(50, options.streams - i) }, (_, j) => openSse(`${flowdeck.url}${streamUrls[(i + j) % streamUrls.length]}`)));
			for (const result of batch) if (result.status === 'fulfilled') streams.push(result.value);
		}
		const pages = [
			'/',
			'/runs',
			'/flows',
			'/deployments',
			'/work-pools',
			'/concurrency',
			'/runs?state=FAILED',
			...data.runIds.slice(0, 20).map((id) => `/runs/${id}`),
			...data.flowIds.map((id) => `/flows/${id}`)
		];
		const times: number[] = [];
		const timesByKind = new Map<string, number[]>();
		let errors = 0;
		proxy.reset();
		const groups = { flowdeck: flowdeck.process.child.pid!, prefect: prefectGroup };
		const cpuBefore = cpuMs(groups);
		const deadline = Date.now() + options.seconds * 1000;
		const user = async (index: number) => {
			for (let visit = index; Date.now() < deadline; visit += 7) {
				const path = pages[visit % pages.length]!;
				const started = performance.now();
				try {
					const response = await fetch(`${flowdeck.url}${path}`, { headers: { accept: 'text/html' }, signal: AbortSignal.timeout(PAGE_TIMEOUT_MS) });
					await response.text();
					if (response.status !== 200) errors++;
				} catch {
					errors++;
				}
				const took = performance.now() - started;
				times.push(took);
				const kind = pageKind(path);
				timesByKind.set(kind, [...(timesByKind.get(kind) ?? []), took]);
				await sleep(THINK_MS);
			}
		};
		const progress = setInterval(() => {
			const left = Math.max(0, Math.round((deadline - Date.now()) / 1000));
			console.log(`  … ${times.length} pages, ${errors} errors, ${left} s left`);
		}, 10_000);
		await Promise.all(Array.from({ length: options.users }, (_, index) => user(index))).finally(() => clearInterval(progress));
		const cpuAfter = cpuMs(groups);
		const perPage = (name: string) => (cpuAfter[name]! - cpuBefore[name]!) / Math.max(1, times.length);
		return {
			sharing,
			pages: times.length,
			p95ByKind: Object.fromEntries([...timesByKind].map(([kind, values]) => [kind, percentile(values, 95)])),
			cpuPerPage: { flowdeck: perPage('flowdeck'), prefect: perPage('prefect'), postgres: perPage('postgres') },
			errors,
			p50: percentile(times, 50),
			p95: percentile(times, 95),
			max: Math.max(...times),
			upstreamPerPage: proxy.count() / Math.max(1, times.length),
			upstreamByPath: proxy.byPath().slice(0, 8),
			streamsOpen: streams.length
		};
	} finally {
		streams.forEach((stream) => stream.close());
		await flowdeck.process.stop();
	}
}

export async function loadBench(options: Options): Promise<void> {
	await ensureSystemPackages();
	await buildUi();
	const home = mkdtempSync(join(tmpdir(), 'flowdeck-bench-load-'));
	chmodSync(home, 0o755); // PostgreSQL runs as its own user when we are root
	const apiUrl = `http://127.0.0.1:${await freePort()}/api`;
	console.log(`starting Prefect on PostgreSQL at ${apiUrl}…`);
	const prefectServer = await startLocalServer({ apiUrl, home, database: { kind: 'local-postgres', dataDir: join(home, 'postgres') }, log: (line) => console.log(`  ${line}`) });
	const proxy = await startCountingProxy(apiUrl.replace(/\/api$/, ''), await freePort());
	const results: Result[] = [];
	try {
		const data = await seed(createPrefectClient({ apiUrl }));
		for (const sharing of ['off', 'on'] as const) {
			console.log(`shared reads ${sharing}: ${options.users} users, ${options.streams} streams, ${options.seconds} s…`);
			const result = await measure(sharing, options, proxy, data, prefectServer.process!.child.pid!);
			results.push(result);
			console.log(
				`  ${result.pages} pages, p50 ${result.p50.toFixed(0)} ms, p95 ${result.p95.toFixed(0)} ms, max ${result.max.toFixed(0)} ms, ${result.errors} errors, ${result.upstreamPerPage.toFixed(1)} upstream requests per page (streams included), ${result.streamsOpen}/${options.streams} streams open`
			);
		}
	} finally {
		await proxy.close();
		await prefectServer.stop();
		rmSync(home, { recursive: true, force: true });
	}
	const [off, on] = results as [Result, Result];
	console.log('\n| shared reads | pages | p50 | p95 | max | errors | upstream requests / page |');
	console.log('|---|---|---|---|---|---|---|');
	for (const result of results) {
		console.log(
			`| ${result.sharing} | ${result.pages} | ${result.p50.toFixed(0)} ms | ${result.p95.toFixed(0)} ms | ${result.max.toFixed(0)} ms | ${result.errors} | ${result.upstreamPerPage.toFixed(1)} |`
		);
	}
	console.log('\n| shared reads | CPU ms per page: Flowdeck | Prefect | PostgreSQL | slowest kinds of page (p95) |');
	console.log('|---|---|---|---|---|');
	for (const result of results) {
		const slowest = Object.entries(result.p95ByKind)
			.sort(([, a], [, b]) => b - a)
			.slice(0, 4)
			.map(([kind, p95]) => `${kind} ${p95.toFixed(0)} ms`)
			.join(', ');
		const cpu = result.cpuPerPage;
		console.log(`| ${result.sharing} | ${cpu.flowdeck.toFixed(0)} | ${cpu.prefect.toFixed(0)} | ${cpu.postgres.toFixed(0)} | ${slowest} |`);
	}
	for (const result of results) console.log(`\nshared reads ${result.sharing}, most frequent upstream calls: ${result.upstreamByPath.map(([path, count]) => `${path} ${count}`).join(', ')}`);
	console.log(
		`\nratios (on / off): p95 ${(on.p95 / off.p95).toFixed(2)}x, pages served ${(on.pages / off.pages).toFixed(2)}x, upstream requests per page ${(on.upstreamPerPage / off.upstreamPerPage).toFixed(2)}x`
	);
	console.log(`goal: p95 < 3 s and 0 errors with sharing on: ${on.p95 < 3000 && on.errors === 0 ? 'met' : 'NOT met'}`);
}
