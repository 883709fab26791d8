/** npm run demo — the whole stack on the embedded default: local Prefect, setup, deploy, workers, UI. */
import { applyPrefectOption, prefectDatabase, prefectHome, prefectMajor, prefectOption, prefectProcessEnv } from './lib/prefect-env.ts';
import { cliClient, cliConfig, main, parseCli, plural, usageError, type CliSpec } from './lib/cli.ts';
import { deployFlows } from './lib/deploy.ts';
import { databaseLabel, databaseOption, startLocalServer } from './lib/local-server.ts';
import { onShutdown, run, start, type Managed } from './lib/processes.ts';
import { pythonEnvs, repoRoot } from './lib/python.ts';
import { describeSetup, setupServer } from './lib/setup.ts';
import { superviseWorkers, type WorkerSupervisor } from './lib/workers.ts';
import { reportOnline } from './lib/worker-status.ts';

const options = {
	verbose: { type: 'boolean', short: 'v', description: "print the workers' log lines (also FLOWDECK_DEMO_VERBOSE=1)" },
	database: databaseOption,
	prefect: prefectOption
} as const;

const spec = {
	command: 'npm run demo',
	summary:
		'Everything on the embedded default: local Prefect server, work pool and limit, deployed flows, workers and the built UI; Ctrl-C stops all, a second run reuses the data; --database postgres runs Prefect on a local PostgreSQL (docs/operations.md), --prefect 3 runs Prefect 3.x (docs/prefect-versions.md).',
	options,
	env: ['PREFECT_API_URL', 'FLOWDECK_PREFECT_VERSION', 'FLOWDECK_PREFECT_HOME', 'FLOWDECK_PREFECT_DATABASE', 'PREFECT_WORK_POOL', 'FLOWDECK_WORKERS', 'HOST', 'PORT'],
	otherEnv: { FLOWDECK_DEMO_VERBOSE: "1: print the workers' log lines (as --verbose)" },
	examples: ['PORT=3100 npm run demo -- --verbose', 'npm run demo -- --database postgres', 'PREFECT_API_URL=http://127.0.0.1:4300/api PORT=3100 npm run demo -- --prefect 3']
} satisfies CliSpec<typeof options>;

main(async () => {
	const { values } = parseCli(spec);
	const verbose = values.verbose || Boolean(process.env.FLOWDECK_DEMO_VERBOSE);
	if (values.database) process.env.FLOWDECK_PREFECT_DATABASE = values.database;
	applyPrefectOption(values.prefect, (message) => usageError(spec, message));
	const cfg = cliConfig();
	const major = prefectMajor(cfg);
	const stops: Array<() => Promise<void>> = [];
	onShutdown(async () => {
		for (const stop of stops.reverse()) await stop();
	});
	const step = (n: number, text: string) => console.log(`\n[${n}/5] ${text}`);

	step(1, `Prefect ${pythonEnvs[major].prefectVersion} server at ${cfg.PREFECT_API_URL} (database: ${databaseLabel(cfg)})`);
	const server = await startLocalServer({
		apiUrl: cfg.PREFECT_API_URL,
		home: prefectHome(cfg),
		database: prefectDatabase(cfg),
		log: (line) => console.log(`  ${line}`),
		prefect: major,
		tagSlotWaitSeconds: cfg.PREFECT_TASK_RUN_TAG_CONCURRENCY_SLOT_WAIT_SECONDS
	});
	stops.push(server.stop);
	console.log(server.process ? `\u2713 started (data in ${prefectHome(cfg)})` : '\u2713 reusing the server already running');

	step(2, 'Work pool and concurrency limit');
	const prefect = cliClient(cfg);
	const setup = await setupServer(prefect, { workPool: cfg.PREFECT_WORK_POOL, tag: cfg.PREFECT_CONCURRENCY_TAG, limit: cfg.PREFECT_CONCURRENCY_LIMIT });
	for (const line of describeSetup(setup)) console.log(`\u2713 ${line}`);

	step(3, 'Deploying flows');
	await deployFlows(major, prefectProcessEnv(cfg), (line) => console.log(`  ${line}`));

	step(4, plural(cfg.FLOWDECK_WORKERS, 'worker'));
	const workers: WorkerSupervisor = await superviseWorkers({
		count: cfg.FLOWDECK_WORKERS,
		pool: cfg.PREFECT_WORK_POOL,
		namePrefix: cfg.FLOWDECK_WORKER_PREFIX,
		env: prefectProcessEnv(cfg),
		prefect,
		prefectMajor: major,
		onLine: (line) => verbose && console.log(line)
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
