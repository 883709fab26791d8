/** npm run run:flow -- [--tables N --seconds S --fail 2,5] — run the task-parallel ETL in this process. */
import { prefectProcessEnv } from './lib/prefect-env.ts';
import { cliArgs, cliConfig, main } from './lib/cli.ts';
import { parseEtlArgs } from './lib/etl-args.ts';
import { ensurePythonEnv, flowsDir, python } from './lib/python.ts';
import { start } from './lib/processes.ts';

main(async () => {
	const cfg = cliConfig();
	const params = parseEtlArgs(cliArgs({ tables: { type: 'string' }, seconds: { type: 'string' }, fail: { type: 'string' } }));
	await ensurePythonEnv();
	const args = ['main_etl.py', '--tables', String(params.tables), '--seconds', String(params.seconds)];
	if (params.fail_tables.length) args.push('--fail', params.fail_tables.join(','));
	const flow = start(python, args, { cwd: flowsDir, env: prefectProcessEnv(cfg) });
	return (await flow.exited) ?? 1;
});
