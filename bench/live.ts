/**
 * npm run bench -- live: what one viewer of a running run costs Prefect. Flowdeck's stream of the run page and a tab
 * of Prefect 2.13.7's own UI on the same run watch it at the same time, in one run: the distributed ETL (6 tables
 * x 5 s on 3 real process workers, tag limit 3). Counted from the moment both show the run until Flowdeck's
 * stream ends (the whole tree final and its last log lines in): Flowdeck's requests through a counting proxy
 * between it and Prefect, the tab's as its browser sends them to /api. Each side's calls by endpoint show what
 * it polls and how often.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ORCHESTRATOR } from '#lib/deployment-names.ts';
import { freePort, waitFor } from '../scripts/lib/processes.ts';
import { reportOnline } from '../scripts/lib/worker-status.ts';
import { superviseWorkers } from '../scripts/lib/workers.ts';
import { startCountingProxy } from '../tests/helpers/counting-proxy.ts';
import { openSse } from '../tests/helpers/sse-client.ts';
import { startUiProxy } from './pages.ts';
import { buildUi, launchChromium, startEtlPrefect, startFlowdeck } from './servers.ts';

const TABLES = 6;
const SECONDS = 5;
const WORKERS = 3;
const LIMIT = 3;
const RUN_TIMEOUT_MS = 600_000;

interface Watch {
	seconds: number;
	flowdeck: Map<string, number>;
	prefect: Map<string, number>;
}

const total = (calls: Map<string, number>) => [...calls.values()].reduce((sum, count) => sum + count, 0);
/** "METHOD /path" with ids as {id}, as the counting proxy names calls. */
const callName = (method: string, url: string) => `${method} ${new URL(url).pathname.replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '{id}')}`;
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)] ?? NaN;

export async function liveBench(rounds: number): Promise<void> {
	await buildUi();
	const home = mkdtempSync(join(tmpdir(), 'flowdeck-bench-live-'));
	const { apiUrl, prefect, cfg, env, stop } = await startEtlPrefect(home, LIMIT);
	const stops: Array<() => Promise<unknown>> = [];
	try {
		const workers = await superviseWorkers({ count: WORKERS, pool: cfg.PREFECT_WORK_POOL, env, namePrefix: 'bench-live', onLine: () => {} });
		stops.push(() => workers.stop());
		if (!(await reportOnline(prefect, cfg.PREFECT_WORK_POOL, workers.names, () => {}, 180_000))) throw new Error('the workers did not come online');

		const origin = apiUrl.replace(/\/api$/, '');
		const proxy = await startCountingProxy(origin, await freePort());
		stops.push(() => proxy.close());
		const ui = await startUiProxy(origin);
		stops.push(ui.close);
		const flowdeck = await startFlowdeck({ PREFECT_API_URL: `${proxy.url}/api` });
		stops.push(() => flowdeck.process.stop());
		const browser = await launchChromium();
		stops.push(() => browser.close());

		const deployment = await prefect.deployments.byName(ORCHESTRATOR.flow, ORCHESTRATOR.deployment);
		const watches: Watch[] = [];
		for (let round = 1; round <= rounds; round++) {
			process.stdout.write(`round ${round}/${rounds}: the distributed ETL, ${TABLES} tables x ${SECONDS} s… `);
			const created = await prefect.deployments.createFlowRun(deployment.id, { parameters: { tables: TABLES, seconds: SECONDS } });
			const context = await browser.newContext();
			const tab = await context.newPage();
			const prefectCalls = new Map<string, number>();
			let counting = false;
			tab.on('request', (request) => {
				if (!counting || !new URL(request.url()).pathname.startsWith('/api/')) return;
				const name = callName(request.method(), request.url());
				prefectCalls.set(name, (prefectCalls.get(name) ?? 0) + 1);
			});
			await tab.goto(`${ui.url}/flow-runs/flow-run/${created.id}`);
			await tab.getByText(created.name).first().waitFor({ timeout: 90_000 });
			const stream = await openSse(`${flowdeck.url}/runs/${created.id}/events`);
			await waitFor('the stream snapshot', async () => (stream.events.some((event) => event.event === 'snapshot') ? true : undefined), 90_000, 100);
			proxy.reset();
			counting = true;
			const from = performance.now();
			await waitFor('the stream to end', async () => (stream.events.some((event) => event.event === 'end') ? true : undefined), RUN_TIMEOUT_MS, 200);
			counting = false;
			const watch = { seconds: (performance.now() - from) / 1000, flowdeck: new Map(proxy.byPath()), prefect: prefectCalls };
			watches.push(watch);
			stream.close();
			await context.close();
			console.log(`${watch.seconds.toFixed(0)} s: Flowdeck ${total(watch.flowdeck)} requests, Prefect's tab ${total(watch.prefect)}`);
		}

		const rate = (watch: Watch, side: 'flowdeck' | 'prefect') => total(watch[side]) / watch.seconds;
		const flowdeckRate = median(watches.map((watch) => rate(watch, 'flowdeck')));
		const prefectRate = median(watches.map((watch) => rate(watch, 'prefect')));
		const ratio = median(watches.map((watch) => rate(watch, 'flowdeck') / rate(watch, 'prefect')));
		console.log(`\nOne viewer of a running distributed ETL (${TABLES} tables x ${SECONDS} s, ${WORKERS} workers, limit ${LIMIT}), median of ${rounds}\n`);
		console.log('| viewer | upstream requests / s | ratio (median of the rounds) |');
		console.log('|---|---|---|');
		console.log(`| Flowdeck stream | ${flowdeckRate.toFixed(2)} | ${ratio.toFixed(2)}x |`);
		console.log(`| Prefect UI tab (baseline) | ${prefectRate.toFixed(2)} | 1.00x |`);
		const last = watches.at(-1)!;
		for (const side of ['flowdeck', 'prefect'] as const) {
			console.log(`\n${side === 'flowdeck' ? 'Flowdeck' : "Prefect's tab"}, last round (${last.seconds.toFixed(0)} s), calls per minute by endpoint:`);
			for (const [name, count] of [...last[side]].sort(([, a], [, b]) => b - a)) console.log(`  ${((count * 60) / last.seconds).toFixed(1).padStart(6)}  ${name}`);
		}
		console.log(`\ngoal: one viewer's live cost no higher than a Prefect tab's: ${ratio <= 1 ? 'met' : 'NOT met'} (${ratio.toFixed(2)}x)`);
	} finally {
		for (const stopOne of stops.reverse()) await stopOne().catch(() => undefined);
		await stop();
		rmSync(home, { recursive: true, force: true });
	}
}
