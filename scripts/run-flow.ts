/** npm run run:flow -- [--tables N --seconds S --fail 2,5] — run the task-parallel ETL in this process. */
import { prefectProcessEnv } from './lib/prefect-env.ts';
import { cliConfig, main, parseCli, reachableServerMajor, type CliSpec } from './lib/cli.ts';
import { etlOptions, parseEtlArgs } from './lib/etl-args.ts';
import { ensurePythonEnv, flowsDir } from './lib/python.ts';
import { start } from './lib/processes.ts';

const spec = {
	command: 'npm run run:flow',
	summary: "Run the task-parallel ETL (main_etl.py) in this process against the Prefect API, with the Python environment of the server's Prefect version; exit 0 only if it completes.",
	options: etlOptions,
	env: ['PREFECT_API_URL', 'PREFECT_API_KEY', 'PREFECT_CONCURRENCY_TAG', 'PREFECT_TASK_RUN_TAG_CONCURRENCY_SLOT_WAIT_SECONDS'],
	examples: ['npm run run:flow -- --tables 5 --seconds 2 --fail 3']
} satisfies CliSpec<typeof etlOptions>;

main(async () => {
	const params = parseEtlArgs(spec, parseCli(spec).values);
	const cfg = cliConfig();
	const { major } = await reachableServerMajor(cfg);
	const { python } = await ensurePythonEnv(major);
	const args = ['main_etl.py', '--tables', String(params.tables), '--seconds', String(params.seconds)];
	if (params.fail_tables.length) args.push('--fail', params.fail_tables.join(','));
	// Ctrl-C stops it with its process group (main's signal handling), so no orphan keeps writing here.
	const flow = start(python, args, { cwd: flowsDir, env: prefectProcessEnv(cfg) });
	return (await flow.exited) ?? 1;
});
