/** npm run prefect:setup [-- --start-server] — work pool and tag concurrency limit, idempotently. */
import { prefectHome } from './lib/prefect-env.ts';
import { cliArgs, cliClient, cliConfig, main } from './lib/cli.ts';
import { startLocalServer } from './lib/local-server.ts';
import { onShutdown } from './lib/processes.ts';
import { describeSetup, setupServer } from './lib/setup.ts';

main(async () => {
	const args = cliArgs({ 'start-server': { type: 'boolean', default: false } });
	const cfg = cliConfig();
	const server = args['start-server'] ? await startLocalServer({ apiUrl: cfg.PREFECT_API_URL, home: prefectHome(cfg) }) : undefined;
	const result = await setupServer(cliClient(cfg), { workPool: cfg.PREFECT_WORK_POOL, tag: cfg.PREFECT_CONCURRENCY_TAG, limit: cfg.PREFECT_CONCURRENCY_LIMIT });
	for (const line of describeSetup(result)) console.log(`\u2713 ${line}`);
	if (server?.process) {
		console.log(`Prefect server running at ${cfg.PREFECT_API_URL}; Ctrl-C to stop.`);
		onShutdown(() => server.stop());
		await server.process.exited;
	}
});
