/** npm run prefect:server — start (or reuse) the local Prefect server and keep it running until Ctrl-C. */
import { displayUrl } from '#lib/prefect/request.ts';
import { applyPrefectOption, prefectDatabase, prefectHome, prefectMajor, prefectOption } from './lib/prefect-env.ts';
import { pythonEnvs } from './lib/python.ts';
import { cliConfig, fail, main, parseCli, usageError, type CliSpec } from './lib/cli.ts';
import { databaseLabel, databaseOption, startLocalServer } from './lib/local-server.ts';
import { onShutdown } from './lib/processes.ts';

const options = { database: databaseOption, prefect: prefectOption } as const;

const spec = {
	command: 'npm run prefect:server',
	summary:
		'Start a local Prefect server (2.13.7, or 3.x with --prefect 3) at PREFECT_API_URL (SQLite under FLOWDECK_PREFECT_HOME, or PostgreSQL: a local cluster it starts, or an existing database), or reuse one already there; Ctrl-C stops it.',
	options,
	env: ['PREFECT_API_URL', 'FLOWDECK_PREFECT_VERSION', 'FLOWDECK_PREFECT_HOME', 'FLOWDECK_PREFECT_DATABASE', 'FLOWDECK_POSTGRES_DIR', 'FLOWDECK_POSTGRES_PORT'],
	examples: [
		'PREFECT_API_URL=http://127.0.0.1:4300/api npm run prefect:server',
		'npm run prefect:server -- --database postgres',
		'PREFECT_API_URL=http://127.0.0.1:4300/api npm run prefect:server -- --prefect 3'
	]
} satisfies CliSpec<typeof options>;

main(async () => {
	const { values } = parseCli(spec);
	if (values.database) process.env.FLOWDECK_PREFECT_DATABASE = values.database;
	applyPrefectOption(values.prefect, (message) => usageError(spec, message));
	const cfg = cliConfig();
	const major = prefectMajor(cfg);
	const url = new URL(cfg.PREFECT_API_URL);
	if (!['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname)) {
		fail(`PREFECT_API_URL (${displayUrl(cfg.PREFECT_API_URL)}) is not a local address: prefect:server only starts a local server`, 2);
	}
	console.log(`Starting Prefect ${pythonEnvs[major].prefectVersion} on ${url.host} (PREFECT_HOME=${prefectHome(cfg)}, database: ${databaseLabel(cfg)})…`);
	const server = await startLocalServer({
		apiUrl: cfg.PREFECT_API_URL,
		home: prefectHome(cfg),
		logPrefix: '[prefect] ',
		database: prefectDatabase(cfg),
		log: (line) => console.log(`  ${line}`),
		prefect: major,
		tagSlotWaitSeconds: cfg.PREFECT_TASK_RUN_TAG_CONCURRENCY_SLOT_WAIT_SECONDS
	});
	const origin = `${url.protocol}//${url.host}`;
	if (!server.process) {
		console.log(`\u2713 A Prefect server is already running at ${origin}; reusing it.`);
		return 0;
	}
	console.log(`\u2713 Prefect server ready\n  API: ${cfg.PREFECT_API_URL}\n  Prefect UI: ${origin}/\n  Ctrl-C to stop.`);
	onShutdown(() => server.stop());
	await server.process.exited;
	return 1;
});
