/** npm run demo — the whole stack on the embedded default: local Prefect, setup, deploy, workers, UI. */
import { prefectHome, prefectProcessEnv } from './lib/prefect-env.ts';
import { cliClient, cliConfig, main } from './lib/cli.ts';
import { deployFlows } from './lib/deploy.ts';
import { startLocalServer } from './lib/local-server.ts';
import { onShutdown, run, start, type Managed } from './lib/processes.ts';
import { repoRoot } from './lib/python.ts';
import { describeSetup, setupServer } from './lib/setup.ts';
import { superviseWorkers, type WorkerSupervisor } from './lib/workers.ts';
import { reportOnline } from './lib/worker-status.ts';

main(async () => {
	const cfg = cliConfig();
	const stops: Array<() => Promise<void>> = [];
	onShutdown(async () => {
		for (const stop of stops.reverse()) await stop();
	});
	const step = (n: number, text: string) => console.log(`\n[${n}/5] ${text}`);

	step(1, `Prefect server at ${cfg.PREFECT_API_URL}`);
	const server = await startLocalServer({ apiUrl: cfg.PREFECT_API_URL, home: prefectHome(cfg) });
	stops.push(server.stop);
	console.log(server.process ? `\u2713 started (data in ${prefectHome(cfg)})` : '\u2713 reusing the server already running');

	step(2, 'Work pool and concurrency limit');
	const prefect = cliClient(cfg);
	const setup = await setupServer(prefect, { workPool: cfg.PREFECT_WORK_POOL, tag: cfg.PREFECT_CONCURRENCY_TAG, limit: cfg.PREFECT_CONCURRENCY_LIMIT });
	for (const line of describeSetup(setup)) console.log(`\u2713 ${line}`);

	step(3, 'Deploying flows');
	await deployFlows(prefectProcessEnv(cfg), (line) => console.log(`  ${line}`));

	step(4, `${cfg.FLOWDECK_WORKERS} workers`);
	const workers: WorkerSupervisor = await superviseWorkers({
		count: cfg.FLOWDECK_WORKERS,
		pool: cfg.PREFECT_WORK_POOL,
		namePrefix: cfg.FLOWDECK_WORKER_PREFIX,
		env: prefectProcessEnv(cfg),
		onLine: (line) => process.env.FLOWDECK_DEMO_VERBOSE && console.log(line)
	});
	stops.push(workers.stop);
	await reportOnline(prefect, cfg.PREFECT_WORK_POOL, workers.names, (line) => console.log(line));

	step(5, 'Flowdeck UI');
	await run('npx', ['vite', 'build', '--logLevel', 'error'], { cwd: repoRoot, quiet: true });
	const ui: Managed = start(process.execPath, ['scripts/serve.ts'], { cwd: repoRoot, prefix: '[ui] ' });
	stops.push(() => ui.stop());
	console.log(`\nReady. Open http://${cfg.HOST}:${cfg.PORT}\nTry: npm run run:distributed -- --tables 6 --seconds 2\nCtrl-C stops everything.`);
	await ui.exited;
	return 1;
});
