/**
 * npm run bench -- sse: what live updates cost and how fast they are, measured in one run against a real
 * Prefect 2.13.7 and the built Flowdeck server.
 *
 *  - upstream Prefect requests per second with 1, 100 and 500 streams on the same run, for the shared poller
 *    and for the baseline of one poller per stream (counted by a proxy between Flowdeck and Prefect);
 *  - server memory per open stream (RSS growth / streams);
 *  - delay from a state change in Prefect to the event reaching a stream (p50/p95 over many changes).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPrefectClient } from '#lib/prefect/client.ts';
import { startLocalServer } from '../scripts/lib/local-server.ts';
import { freePort, sleep, waitFor } from '../scripts/lib/processes.ts';
import { startCountingProxy } from '../tests/helpers/counting-proxy.ts';
import { openSse, type SseConnection } from '../tests/helpers/sse-client.ts';
import { buildUi, startFlowdeck } from './servers.ts';

const STREAM_COUNTS = [1, 100, 500];
/**
 * The shared poller's count starts at the end of a round and lasts a little under 6 rounds of the idle pace (5 s:
 * the watched run changes nothing), so every count holds the same number of rounds: a window not aligned to
 * rounds would catch one round more or less by chance, and a round is a few calls.
 */
const WINDOW_MS = 29_000;
const QUIET_MS = 400;
const CHANGES = 30;

const rssKiB = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
const percentile = (values: number[], p: number) => {
	const sorted = [...values].sort((a, b) => a - b);
	return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
};

/** Opens `count` streams, 50 at a time; a stream Prefect's load keeps from opening is counted as failed, not fatal. */
async function openStreams(url: string, count: number): Promise<{ streams: SseConnection[]; failed: number }> {
	const streams: SseConnection[] = [];
	let failed = 0;
	for (let i = 0; i < count; i += 50) {
		const batch = await Promise.allSettled(Array.from({ length: Math.min(50, count - i) }, () => openSse(url)));
		for (const result of batch) result.status === 'fulfilled' ? streams.push(result.value) : failed++;
	}
	await waitFor('every snapshot', async () => (streams.every((stream) => stream.events.some((event) => event.event === 'snapshot')) ? true : undefined), 180_000, 100).catch(() => undefined);
	return { streams, failed };
}

export async function sseBench(): Promise<void> {
	await buildUi();
	const home = mkdtempSync(join(tmpdir(), 'flowdeck-bench-'));
	const apiUrl = `http://127.0.0.1:${await freePort()}/api`;
	console.log(`starting Prefect at ${apiUrl}…`);
	const prefectServer = await startLocalServer({ apiUrl, home });
	const proxy = await startCountingProxy(apiUrl.replace(/\/api$/, ''), await freePort());
	const prefect = createPrefectClient({ apiUrl });
	const flow = await prefect.flows.create('bench-live-flow');
	const watched = await prefect.flowRuns.create(flow.id, { name: 'bench-watched-run', state: { type: 'RUNNING', name: 'Running' } });
	const rows: Array<{ pollers: string; streams: number; requestsPerSecond: number; kibPerStream: number; failed: number }> = [];
	let latencies: number[] = [];
	try {
		for (const pollers of ['per-stream', 'shared'] as const) {
			for (const count of STREAM_COUNTS) {
				const flowdeck = await startFlowdeck({ PREFECT_API_URL: `${proxy.url}/api`, FLOWDECK_LIVE_POLLERS: pollers });
				const pid = flowdeck.process.child.pid!;
				await sleep(500);
				const before = rssKiB(pid);
				const { streams, failed } = await openStreams(`${flowdeck.url}/runs/${watched.id}/events`, count);
				await sleep(1000);
				const after = rssKiB(pid);
				// One poller per stream has no common round to align to (and never goes quiet).
				if (pollers === 'shared') await roundEnd(proxy.count);
				proxy.reset();
				await sleep(WINDOW_MS);
				const requestsPerSecond = proxy.count() / (WINDOW_MS / 1000);
				const kibPerStream = (after - before) / Math.max(1, streams.length);
				rows.push({ pollers, streams: count, requestsPerSecond, kibPerStream, failed });
				console.log(
					`${pollers.padEnd(10)} ${String(count).padStart(4)} streams: ${requestsPerSecond.toFixed(1)} upstream req/s, ${kibPerStream.toFixed(1)} KiB per stream${failed ? `, ${failed} could not open (Prefect overloaded)` : ''}`
				);
				if (pollers === 'shared' && count === 100) latencies = await measureLatency(prefect, watched.id, streams);
				streams.forEach((stream) => stream.close());
				await flowdeck.process.stop();
			}
		}
	} finally {
		await proxy.close();
		await prefectServer.stop();
		rmSync(home, { recursive: true, force: true });
	}
	const rate = (pollers: string, streams: number) => rows.find((row) => row.pollers === pollers && row.streams === streams)!.requestsPerSecond;
	console.log('\nupstream requests per second (ratio to 1 stream of the same design):');
	const failedOf = (pollers: string, streams: number) => rows.find((row) => row.pollers === pollers && row.streams === streams)!.failed;
	console.log('| streams | shared poller | ratio | one poller per stream (baseline) | ratio | baseline streams refused |');
	console.log('|---|---|---|---|---|---|');
	for (const count of STREAM_COUNTS) {
		console.log(
			`| ${count} | ${rate('shared', count).toFixed(1)} | ${(rate('shared', count) / rate('shared', 1)).toFixed(2)}x | ${rate('per-stream', count).toFixed(1)} | ${(rate('per-stream', count) / rate('per-stream', 1)).toFixed(2)}x | ${failedOf('per-stream', count)} |`
		);
	}
	const memory = (streams: number) => rows.find((row) => row.pollers === 'shared' && row.streams === streams)!.kibPerStream;
	console.log(`\nserver memory per open stream (shared; RSS growth / streams): ${memory(100).toFixed(1)} KiB at 100, ${memory(500).toFixed(1)} KiB at 500`);
	console.log(
		`state change -> event at the stream, 100 streams, ${latencies.length} changes: p50 ${percentile(latencies, 50).toFixed(0)} ms, p95 ${percentile(latencies, 95).toFixed(0)} ms, max ${Math.max(...latencies).toFixed(0)} ms`
	);
	const goalRatio = rate('shared', 500) / rate('shared', 1);
	console.log(
		`goals: 500 streams <= 1.05x the upstream requests of 1: ${goalRatio <= 1.05 ? 'met' : 'NOT met'} (${goalRatio.toFixed(2)}x); p95 < 1500 ms: ${percentile(latencies, 95) < 1500 ? 'met' : 'NOT met'}`
	);
}

/** Resolves once a poll round has ended: requests came, then none for QUIET_MS. */
async function roundEnd(count: () => number): Promise<void> {
	const before = count();
	await waitFor('a poll round', async () => (count() > before ? true : undefined), 60_000, 20);
	let last = count();
	for (;;) {
		await sleep(QUIET_MS);
		if (count() === last) return;
		last = count();
	}
}

/** Changes the run's state at uneven intervals; for each change, the time until the last stream has the event. */
async function measureLatency(prefect: ReturnType<typeof createPrefectClient>, runId: string, streams: SseConnection[]): Promise<number[]> {
	const delays: number[] = [];
	for (let i = 0; i < CHANGES; i++) {
		await sleep(700 + ((i * 379) % 900)); // spread changes over the poll cycle
		const since = performance.now();
		await prefect.flowRuns.setState(runId, { type: 'RUNNING', name: i % 2 ? 'Running' : 'Retrying' }, true);
		const received = await Promise.all(streams.map((stream) => stream.next('run', since)));
		delays.push(Math.max(...received.map((event) => event.at)) - since);
	}
	return delays;
}
