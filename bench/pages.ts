/**
 * npm run bench -- pages: Flowdeck against Prefect 2.13.7's own UI, served by the same Prefect server, in the
 * same Chromium, on a data set seeded through the API (20,000+ runs, a 500-child parent, a 300-task run, a
 * 50,000-line run). For every view, both UIs are loaded in a cold browser context, interleaved, and measured:
 * time to content (navigation until the view's marker text shows), bytes and requests the browser received
 * until then, and the requests that reached Prefect (Flowdeck: counted by a proxy between it and Prefect;
 * Prefect's UI: its browser's requests to /api).
 *
 * Prefect 2.13.7's UI shows a blank page on a deep link (assets requested relative to the path,
 * PrefectHQ/prefect#10807): it is served through a small proxy that sends those asset requests to the root.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from '@playwright/test';
import { startLocalServer } from '../scripts/lib/local-server.ts';
import { freePort } from '../scripts/lib/processes.ts';
import { startCountingProxy, type CountingProxy } from '../tests/helpers/counting-proxy.ts';
import { createFlow, createRun, inParallel, seeder, type Seeder } from './seed.ts';
import { buildUi, launchChromium, startFlowdeck } from './servers.ts';

const BULK_RUNS = 20_000;
const CHILDREN = 500;
const TASKS = 300;
const LOG_LINES = 50_000;
const VIEW_TIMEOUT_MS = 90_000;

/** The views measured, by key (`--views`). */
export const PAGE_VIEWS = ['dashboard', 'runs', 'flows', 'deployments', 'run-children', 'run-tasks', 'run-logs'] as const;
export type PageView = (typeof PAGE_VIEWS)[number];

interface View {
	key: PageView;
	name: string;
	flowdeck: string;
	prefect: string;
	/** Text both UIs show once the view's content is there. */
	marker: string;
}

interface Sample {
	ms: number;
	bytes: number;
	requests: number;
	upstream: number;
}

/** Prefect's UI on a deep link, made to load: asset, icon and settings requests below a path go to the root. */
export async function startUiProxy(target: string): Promise<{ url: string; close: () => Promise<void> }> {
	const upstream = new URL(target);
	const server: Server = createServer((req, res) => {
		const path = (req.url ?? '/').replace(/^\/.+?\/(assets\/.*|[^/]+\.ico|ui-settings)$/, '/$1');
		const forward = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path, headers: { ...req.headers, host: upstream.host } }, (answer) => {
			res.writeHead(answer.statusCode ?? 502, answer.headers);
			answer.pipe(res);
		});
		forward.on('error', () => res.writeHead(502).end());
		req.pipe(forward);
	});
	const port = await freePort();
	await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
	return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => (server.closeAllConnections(), server.close(() => resolve()))) };
}

const progress = (what: string, total: number) => (done: number) => {
	if (done === total || done % Math.max(1, Math.floor(total / 20)) === 0) process.stdout.write(`\r  ${what}: ${done}/${total}`);
	if (done === total) process.stdout.write('\n');
};

/** The data set: bulk scheduled runs (a backfill per deployment window), finished runs, a big parent, tasks, logs. */
async function seedDataSet(seed: Seeder): Promise<View[]> {
	const suffix = Date.now().toString(36);
	const flow = await createFlow(seed, `aaa-bench-flow-${suffix}`);
	const deployment = await seed.post<{ id: string }>('/deployments/', { flow_id: flow.id, name: `aaa-bench-deployment-${suffix}`, schedule: { interval: 60 }, is_schedule_active: true });
	// 1,000 runs per call: one-minute slots over consecutive windows of the last weeks.
	const windows = Math.ceil(BULK_RUNS / 1000);
	const windowStart = Date.now() - (windows + 1) * 1000 * 60_000;
	await inParallel(
		windows,
		async (index) => {
			const start = new Date(windowStart + index * 1000 * 60_000);
			await seed.post(`/deployments/${deployment.id}/schedule`, { start_time: start.toISOString(), end_time: new Date(start.getTime() + 1000 * 60_000 - 1).toISOString(), max_runs: 1000 });
		},
		1,
		progress('bulk scheduled runs (x1000)', windows)
	);
	// The schedule's own future runs would top both run lists: stop it and drop them.
	await seed.post(`/deployments/${deployment.id}/set_schedule_inactive`, {});
	const future = await seed.post<Array<{ id: string }>>('/flow_runs/filter', {
		deployments: { id: { any_: [deployment.id] } },
		flow_runs: { expected_start_time: { after_: new Date().toISOString() } },
		limit: 200
	});
	await inParallel(future.length, async (index) => void (await fetch(`${seed.apiUrl}/flow_runs/${future[index]!.id}`, { method: 'DELETE' })), 8);
	const others = await Promise.all(Array.from({ length: 20 }, (_, index) => createFlow(seed, `bench-flow-${index}-${suffix}`)));
	await inParallel(
		400,
		async (index) => void (await createRun(seed, { flowId: others[index % others.length]!.id, state: index % 7 === 0 ? 'FAILED' : 'COMPLETED' })),
		16,
		progress('finished runs', 400)
	);

	const parent = await createRun(seed, { flowId: flow.id, name: `bench-parent-${suffix}`, state: 'RUNNING' });
	const childFlow = await createFlow(seed, `bench-child-${suffix}`);
	await inParallel(
		CHILDREN,
		async (index) => {
			const task = await seed.post<{ id: string }>('/task_runs/', { flow_run_id: parent.id, task_key: 'child', dynamic_key: String(index), name: `child-${index}`, state: { type: 'COMPLETED' } });
			await createRun(seed, { flowId: childFlow.id, name: `bench-child-${index}-${suffix}`, parentTaskRunId: task.id, state: index % 10 === 0 ? 'FAILED' : 'COMPLETED' });
		},
		16,
		progress('children of the parent', CHILDREN)
	);

	const tasksRun = await createRun(seed, { flowId: flow.id, name: `bench-tasks-${suffix}`, state: 'COMPLETED' });
	await inParallel(
		TASKS,
		async (index) => void (await seed.post('/task_runs/', { flow_run_id: tasksRun.id, task_key: 'work', dynamic_key: String(index), name: `work-${index}`, state: { type: 'COMPLETED' } })),
		16,
		progress('task runs', TASKS)
	);

	const logsRun = await createRun(seed, { flowId: flow.id, name: `bench-logs-${suffix}`, state: 'COMPLETED' });
	const first = Date.now() - 3_600_000;
	await inParallel(
		LOG_LINES / 1000,
		async (batch) => {
			const lines = Array.from({ length: 1000 }, (_, i) => {
				const n = batch * 1000 + i;
				return { name: 'bench', level: n % 50 === 0 ? 40 : 20, message: `line ${n} of the big log`, timestamp: new Date(first + n * 50).toISOString(), flow_run_id: logsRun.id, task_run_id: null };
			});
			await seed.post('/logs/', lines);
		},
		4,
		progress('log lines (x1000)', LOG_LINES / 1000)
	);

	// Made last, so it is the newest run in both UIs' run lists.
	await createRun(seed, { flowId: flow.id, name: `bench-newest-${suffix}`, state: 'COMPLETED' });
	return [
		{ key: 'dashboard', name: 'dashboard', flowdeck: '/', prefect: '/dashboard', marker: 'default-pool' },
		{ key: 'runs', name: 'runs list', flowdeck: '/runs', prefect: '/flow-runs', marker: `bench-newest-${suffix}` },
		{ key: 'flows', name: 'flows', flowdeck: '/flows', prefect: '/flows', marker: `aaa-bench-flow-${suffix}` },
		{ key: 'deployments', name: 'deployments', flowdeck: '/deployments', prefect: '/deployments', marker: `aaa-bench-deployment-${suffix}` },
		{ key: 'run-children', name: 'run, 500 children', flowdeck: `/runs/${parent.id}`, prefect: `/flow-runs/flow-run/${parent.id}`, marker: `bench-parent-${suffix}` },
		{ key: 'run-tasks', name: 'run, 300 tasks', flowdeck: `/runs/${tasksRun.id}`, prefect: `/flow-runs/flow-run/${tasksRun.id}`, marker: `bench-tasks-${suffix}` },
		{ key: 'run-logs', name: 'run, 50,000 log lines', flowdeck: `/runs/${logsRun.id}`, prefect: `/flow-runs/flow-run/${logsRun.id}`, marker: `bench-logs-${suffix}` }
	];
}

/**
 * One cold load of `url` until `marker` shows. Upstream requests: counted by `upstream` (Flowdeck's proxy), else
 * the browser's own requests to /api (Prefect's UI talks to the API from the browser). A view that never shows
 * its marker is a NaN sample, reported as such.
 */
async function measure(browser: Browser, url: string, marker: string, upstream?: () => number): Promise<Sample> {
	const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
	const page = await context.newPage();
	let requests = 0;
	let apiRequests = 0;
	const sizes: Array<Promise<number>> = [];
	page.on('request', (request) => {
		requests++;
		if (new URL(request.url()).pathname.startsWith('/api/')) apiRequests++;
	});
	page.on('requestfinished', (request) =>
		sizes.push(
			request
				.sizes()
				.then((size) => size.responseBodySize + size.responseHeadersSize)
				.catch(() => 0)
		)
	);
	try {
		const before = upstream?.() ?? 0;
		const started = performance.now();
		await page.goto(url, { waitUntil: 'commit', timeout: VIEW_TIMEOUT_MS });
		await page.waitForFunction((text) => document.body?.innerText.includes(text), marker, { timeout: VIEW_TIMEOUT_MS, polling: 50 });
		const ms = performance.now() - started;
		const counted = { requests, upstream: upstream ? upstream() - before : apiRequests };
		const bytes = (await Promise.all(sizes)).reduce((sum, size) => sum + size, 0);
		return { ms, bytes, ...counted };
	} catch (error) {
		console.log(`\n  ${url}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
		return { ms: NaN, bytes: NaN, requests: NaN, upstream: NaN };
	} finally {
		await context.close();
	}
}

const median = (values: number[]) => {
	const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
	if (sorted.length === 0) return NaN;
	return (sorted[Math.floor((sorted.length - 1) / 2)]! + sorted[Math.ceil((sorted.length - 1) / 2)]!) / 2;
};

export async function pagesBench(rounds: number, only: readonly PageView[] = PAGE_VIEWS): Promise<void> {
	await buildUi();
	const home = mkdtempSync(join(tmpdir(), 'flowdeck-bench-pages-'));
	const origin = `http://127.0.0.1:${await freePort()}`;
	const stops: Array<() => Promise<unknown>> = [];
	try {
		console.log(`starting Prefect at ${origin}…`);
		const server = await startLocalServer({ apiUrl: `${origin}/api`, home });
		stops.push(server.stop);
		await seeder(`${origin}/api`)
			.post('/work_pools/', { name: 'default-pool', type: 'process', base_job_template: {}, is_paused: false })
			.catch(() => undefined);
		console.log('seeding the data set…');
		const seededAt = performance.now();
		// The whole data set is seeded whatever is measured: each view's numbers depend on the others' data (the lists).
		const views = (await seedDataSet(seeder(`${origin}/api`))).filter((view) => only.includes(view.key));
		console.log(`  seeded in ${((performance.now() - seededAt) / 1000).toFixed(0)} s`);

		const proxy: CountingProxy = await startCountingProxy(origin, await freePort());
		stops.push(proxy.close);
		const ui = await startUiProxy(origin);
		stops.push(ui.close);
		const flowdeck = await startFlowdeck({ PREFECT_API_URL: `${proxy.url}/api` });
		stops.push(() => flowdeck.process.stop());
		const flowdeckUrl = flowdeck.url;

		const browser = await launchChromium();
		stops.push(() => browser.close());
		const samples = new Map<string, { flowdeck: Sample[]; prefect: Sample[] }>(views.map((view) => [view.name, { flowdeck: [], prefect: [] }]));
		// One warm-up load of each side first (server-side caches, lazy imports); every measured context is cold.
		await measure(browser, `${flowdeckUrl}/`, 'Dashboard', proxy.count);
		await measure(browser, `${ui.url}/dashboard`, 'default-pool');
		for (let round = 1; round <= rounds; round++) {
			for (const view of views) {
				const order = round % 2 ? (['flowdeck', 'prefect'] as const) : (['prefect', 'flowdeck'] as const);
				for (const side of order) {
					const sample = side === 'flowdeck' ? await measure(browser, flowdeckUrl + view.flowdeck, view.marker, proxy.count) : await measure(browser, ui.url + view.prefect, view.marker);
					samples.get(view.name)![side].push(sample);
				}
				process.stdout.write(`\r  round ${round}/${rounds}: ${view.name}                    `);
			}
		}
		process.stdout.write('\n');
		console.log(`\nFlowdeck vs Prefect 2.13.7's UI (median of ${rounds} cold loads per view, interleaved)\n`);
		console.log('| view | Flowdeck (ms) | Prefect UI (ms) | ratio | bytes F / P (KB) | browser requests F / P | upstream requests F / P |');
		console.log('|---|---|---|---|---|---|---|');
		for (const view of views) {
			const { flowdeck: f, prefect: p } = samples.get(view.name)!;
			const m = (list: Sample[], key: keyof Sample) => median(list.map((sample) => sample[key]));
			console.log(
				`| ${view.name} | ${m(f, 'ms').toFixed(0)} | ${m(p, 'ms').toFixed(0)} | ${(m(f, 'ms') / m(p, 'ms')).toFixed(2)} | ${(m(f, 'bytes') / 1024).toFixed(0)} / ${(m(p, 'bytes') / 1024).toFixed(0)} | ${m(f, 'requests')} / ${m(p, 'requests')} | ${m(f, 'upstream')} / ${m(p, 'upstream')} |`
			);
		}
	} finally {
		for (const stop of stops.reverse()) await stop().catch(() => undefined);
		rmSync(home, { recursive: true, force: true });
	}
}
