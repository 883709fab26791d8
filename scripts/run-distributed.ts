/**
 * npm run run:distributed -- --tables N --seconds S [--fail 2,5] [--deadline SECONDS] — trigger the distributed ETL
 * and follow it. --deadline bounds how long the fan-out waits for its tables (the flow's deadline_seconds).
 */
import { cliArgs, cliClient, cliConfig, fail, main } from './lib/cli.ts';
import { followRun } from './lib/follow.ts';
import { parseEtlArgs } from './lib/etl-args.ts';
import { ORCHESTRATOR } from '#lib/prefect/deployments.ts';

/** The flow's own bounds (flows/etl/params.py: MAX_DEADLINE_SECONDS). */
const MAX_DEADLINE_SECONDS = 7 * 24 * 3600;

function parseDeadline(raw: string | undefined): { deadline_seconds?: number } {
	if (raw === undefined) return {};
	const seconds = Number(raw);
	if (!Number.isFinite(seconds) || seconds <= 0 || seconds > MAX_DEADLINE_SECONDS) fail(`--deadline must be a number of seconds > 0 and at most ${MAX_DEADLINE_SECONDS}`, 2);
	return { deadline_seconds: seconds };
}

main(async () => {
	const cfg = cliConfig();
	const args = cliArgs({ tables: { type: 'string' }, seconds: { type: 'string' }, fail: { type: 'string' }, deadline: { type: 'string' } });
	const params = { ...parseEtlArgs(args), ...parseDeadline(args.deadline) };
	const prefect = cliClient(cfg);
	const deployment = await prefect.deployments
		.byName(ORCHESTRATOR.flow, ORCHESTRATOR.deployment)
		.catch(() => fail(`deployment ${ORCHESTRATOR.flow}/${ORCHESTRATOR.deployment} not found: run npm run deploy first`));
	const run = await prefect.deployments.createFlowRun(deployment.id, { parameters: params, tags: ['flowdeck-cli'] });
	const origin = new URL(cfg.PREFECT_API_URL);
	console.log(`Triggered ${run.name} (${run.id}): ${params.tables} tables × ${params.seconds} s${params.fail_tables.length ? `, failing ${params.fail_tables.join(', ')}` : ''}${params.deadline_seconds ? `, deadline ${params.deadline_seconds} s` : ''}`);
	console.log(`Flowdeck: http://${cfg.HOST}:${cfg.PORT}/runs/${run.id} · Prefect UI: ${origin.protocol}//${origin.host}/flow-runs/flow-run/${run.id}`);
	const { run: final } = await followRun(prefect, run.id);
	const completed = final.state.type === 'COMPLETED';
	console.log(`${completed ? '\u2713' : '\u2717'} ${final.name}: ${final.state.name}${final.stateMessage ? ` — ${final.stateMessage}` : ''}`);
	return completed ? 0 : 1;
});
