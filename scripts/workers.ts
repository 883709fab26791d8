/** npm run workers [-- -n N] — N process workers under a supervisor; Ctrl-C stops them all. */
import { prefectProcessEnv } from './lib/prefect-env.ts';
import { isPrefectError } from '#lib/prefect/errors.ts';
import { cliConfig, fail, main, parseCli, plural, reachableServerMajor, usageError, type CliSpec } from './lib/cli.ts';
import { onShutdown } from './lib/processes.ts';
import { superviseWorkers } from './lib/workers.ts';
import { reportOnline } from './lib/worker-status.ts';

const options = {
	count: { type: 'string', short: 'n', value: 'N', description: 'number of workers, 1 to 64 (default: FLOWDECK_WORKERS)' }
} as const;

const spec = {
	command: 'npm run workers',
	summary:
		"Start N Prefect process workers (PREFIX-1..N) on the work pool, from the Python environment of the server's Prefect version, under a supervisor that restarts them with backoff; Ctrl-C stops them all.",
	options,
	env: ['PREFECT_API_URL', 'PREFECT_API_KEY', 'PREFECT_WORK_POOL', 'FLOWDECK_WORKERS', 'FLOWDECK_WORKER_PREFIX', 'PREFECT_WORKER_QUERY_SECONDS', 'PREFECT_WORKER_HEARTBEAT_SECONDS'],
	examples: ['npm run workers -- -n 2']
} satisfies CliSpec<typeof options>;

main(async () => {
	const { values } = parseCli(spec);
	const cfg = cliConfig();
	const count = values.count === undefined ? cfg.FLOWDECK_WORKERS : Number(values.count);
	if (!Number.isInteger(count) || count < 1 || count > 64) usageError(spec, '-n must be a whole number from 1 to 64');
	const { prefect, major } = await reachableServerMajor(cfg);
	await prefect.workPools.get(cfg.PREFECT_WORK_POOL).catch((error: unknown) => {
		if (isPrefectError(error, 'not-found')) fail(`work pool ${cfg.PREFECT_WORK_POOL} not found at ${cfg.PREFECT_API_URL}: run npm run prefect:setup first`);
		throw error;
	});
	console.log(`Starting ${plural(count, 'worker')} on pool ${cfg.PREFECT_WORK_POOL}…`);
	const supervisor = await superviseWorkers({ count, pool: cfg.PREFECT_WORK_POOL, namePrefix: cfg.FLOWDECK_WORKER_PREFIX, env: prefectProcessEnv(cfg), prefect, prefectMajor: major });
	onShutdown(() => supervisor.stop());
	await reportOnline(prefect, cfg.PREFECT_WORK_POOL, supervisor.names, (line) => console.log(line));
	await new Promise(() => {});
});
