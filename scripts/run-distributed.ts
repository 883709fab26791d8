/** npm run run:distributed -- --tables N --seconds S [--fail 2,5] — trigger the distributed ETL and follow it. */
import { cliArgs, cliClient, cliConfig, fail, main } from './lib/cli.ts';
import { followRun } from './lib/follow.ts';
import { parseEtlArgs } from './lib/etl-args.ts';
import { ORCHESTRATOR } from './lib/deployment-names.ts';



main(async () => {
	const cfg = cliConfig();
	const params = parseEtlArgs(cliArgs({ tables: { type: 'string' }, seconds: { type: 'string' }, fail: { type: 'string' } }));
	const prefect = cliClient(cfg);
	const deployment = await prefect.deployments
		.byName(ORCHESTRATOR.flow, ORCHESTRATOR.deployment)
		.catch(() => fail(`deployment ${ORCHESTRATOR.flow}/${ORCHESTRATOR.deployment} not found: run npm run deploy first`));
	const run = await prefect.deployments.createFlowRun(deployment.id, { parameters: params, tags: ['flowdeck-cli'] });
	const origin = new URL(cfg.PREFECT_API_URL);
	console.log(`Triggered ${run.name} (${run.id}): ${params.tables} tables × ${params.seconds} s${params.fail_tables.length ? `, failing ${params.fail_tables.join(', ')}` : ''}`);
	console.log(`Flowdeck: http://${cfg.HOST}:${cfg.PORT}/runs/${run.id} · Prefect UI: ${origin.protocol}//${origin.host}/flow-runs/flow-run/${run.id}`);
	const { run: final } = await followRun(prefect, run.id);
	const completed = final.state.type === 'COMPLETED';
	console.log(`${completed ? '\u2713' : '\u2717'} ${final.name}: ${final.state.name}${final.stateMessage ? ` — ${final.stateMessage}` : ''}`);
	return completed ? 0 : 1;
});
