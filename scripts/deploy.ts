/** npm run deploy — deploy the flows in flows/ to the configured work pool. */
import { prefectProcessEnv } from './lib/prefect-env.ts';
import { cliConfig, main, parseCli, reachableServerMajor, type CliSpec } from './lib/cli.ts';
import { deployFlows } from './lib/deploy.ts';

const spec = {
	command: 'npm run deploy',
	summary:
		"Deploy the flows in flows/ to the work pool (idempotent), with the Python environment of the server's Prefect version (.venv/ for 2.13.7, .venv-prefect3/ for 3.x, made from their lock first).",
	options: {},
	env: ['PREFECT_API_URL', 'PREFECT_API_KEY', 'PREFECT_WORK_POOL'],
	examples: ['PREFECT_API_URL=http://prefect.internal:4200/api npm run deploy']
} satisfies CliSpec<Record<string, never>>;

main(async () => {
	parseCli(spec);
	const cfg = cliConfig();
	const { major } = await reachableServerMajor(cfg);
	await deployFlows(major, prefectProcessEnv(cfg));
});
