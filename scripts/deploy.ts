/** npm run deploy — deploy the flows in flows/ to the configured work pool. */
import { prefectProcessEnv } from './lib/prefect-env.ts';
import { cliConfig, main } from './lib/cli.ts';
import { deployFlows } from './lib/deploy.ts';

main(async () => {
	const cfg = cliConfig();
	await deployFlows(prefectProcessEnv(cfg));
});
