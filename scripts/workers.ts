/** npm run workers [-- -n N] — N process workers under a supervisor; Ctrl-C stops them all. */
import { prefectProcessEnv } from './lib/prefect-env.ts';
import { cliArgs, cliClient, cliConfig, fail, main } from './lib/cli.ts';
import { onShutdown } from './lib/processes.ts';
import { superviseWorkers } from './lib/workers.ts';
import { reportOnline } from './lib/worker-status.ts';

main(async () => {
	const cfg = cliConfig();
	const args = cliArgs({ n: { type: 'string', short: 'n' } });
	const count = args.n === undefined ? cfg.FLOWDECK_WORKERS : Number(args.n);
	if (!Number.isInteger(count) || count < 1 || count > 64) fail('-n must be a whole number from 1 to 64', 2);
	const prefect = cliClient(cfg);
	await prefect.workPools.get(cfg.PREFECT_WORK_POOL).catch(() => fail(`work pool ${cfg.PREFECT_WORK_POOL} not found at ${cfg.PREFECT_API_URL}: run npm run prefect:setup first`));
	console.log(`Starting ${count} worker(s) on pool ${cfg.PREFECT_WORK_POOL}…`);
	const supervisor = await superviseWorkers({ count, pool: cfg.PREFECT_WORK_POOL, namePrefix: cfg.FLOWDECK_WORKER_PREFIX, env: prefectProcessEnv(cfg) });
	onShutdown(() => supervisor.stop());
	await reportOnline(prefect, cfg.PREFECT_WORK_POOL, supervisor.names, (line) => console.log(line));
	await new Promise(() => {});
});
