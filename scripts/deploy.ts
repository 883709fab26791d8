/** npm run deploy — deploy the flows in flows/ to the configured work pool. */
import { prefectProcessEnv } from '#lib/server/config.ts';
import { cliConfig, main, parseCli, reachablePrefect, type CliSpec } from './lib/cli.ts';
import { deployFlows } from './lib/deploy.ts';

const spec = {
	command: 'npm run deploy',
	summary: 'Deploy the flows in flows/ to the work pool (idempotent); creates the Python environment .venv/ from flows/uv.lock first.',
	options: {},
	env: ['PREFECT_API_URL', 'PREFECT_API_KEY', 'PREFECT_WORK_POOL'],
	examples: ['PREFECT_API_URL=http://prefect.internal:4200/api npm run deploy']
} satisfies CliSpec<Record<string, never>>;

main(async () => {
	parseCli(spec);
	const cfg = cliConfig();
	await reachablePrefect(cfg);
	await deployFlows(prefectProcessEnv(cfg));
});
