/** npm run prefect:setup [-- --start-server] — work pool and tag concurrency limit, idempotently. */
import { applyPrefectOption, prefectHome, prefectMajor, prefectOption } from './lib/prefect-env.ts';
import { cliConfig, main, parseCli, reachablePrefect, usageError, type CliSpec } from './lib/cli.ts';
import { startLocalServer } from './lib/local-server.ts';
import { onShutdown } from './lib/processes.ts';
import { describeSetup, setupServer } from './lib/setup.ts';

const options = {
	'start-server': { type: 'boolean', description: 'start a local Prefect server first (or reuse one) and keep it running until Ctrl-C' },
	prefect: { ...prefectOption, description: `with --start-server: ${prefectOption.description}` }
} as const;

const spec = {
	command: 'npm run prefect:setup',
	summary: 'Create the work pool (type process) and the tag concurrency limit, or check them; idempotent.',
	options,
	env: ['PREFECT_API_URL', 'PREFECT_API_KEY', 'PREFECT_WORK_POOL', 'PREFECT_CONCURRENCY_TAG', 'PREFECT_CONCURRENCY_LIMIT', 'FLOWDECK_PREFECT_VERSION', 'FLOWDECK_PREFECT_HOME'],
	examples: ['PREFECT_CONCURRENCY_LIMIT=5 npm run prefect:setup']
} satisfies CliSpec<typeof options>;

main(async () => {
	const { values } = parseCli(spec);
	applyPrefectOption(values.prefect, (message) => usageError(spec, message));
	const cfg = cliConfig();
	const server = values['start-server']
		? await startLocalServer({ apiUrl: cfg.PREFECT_API_URL, home: prefectHome(cfg), prefect: prefectMajor(cfg), tagSlotWaitSeconds: cfg.PREFECT_TASK_RUN_TAG_CONCURRENCY_SLOT_WAIT_SECONDS })
		: undefined;
	const prefect = await reachablePrefect(cfg);
	const result = await setupServer(prefect, { workPool: cfg.PREFECT_WORK_POOL, tag: cfg.PREFECT_CONCURRENCY_TAG, limit: cfg.PREFECT_CONCURRENCY_LIMIT });
	for (const line of describeSetup(result)) console.log(`\u2713 ${line}`);
	if (server?.process) {
		console.log(`Prefect server running at ${cfg.PREFECT_API_URL}; Ctrl-C to stop.`);
		onShutdown(() => server.stop());
		await server.process.exited;
	}
});
