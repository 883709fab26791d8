/**
 * npm run run:distributed -- --tables N --seconds S [--fail 2,5] [--deadline S] [--timeout S] — trigger the distributed
 * ETL and follow it. --deadline is the flow's own bound on the fan-out's wait (deadline_seconds); --timeout only
 * stops following.
 */
import { isPrefectError } from '#lib/prefect/errors.ts';
import { cliConfig, fail, main, parseCli, reachablePrefect, usageError, type CliSpec } from './lib/cli.ts';
import { ORCHESTRATOR } from '#lib/deployment-names.ts';
import { etlOptions, parseEtlArgs } from './lib/etl-args.ts';
import { followRun } from './lib/follow.ts';
import { noWorkerHint } from './lib/worker-status.ts';

/** The flow's own bound (flows/etl/params.py: MAX_DEADLINE_SECONDS). */
const MAX_DEADLINE_SECONDS = 7 * 24 * 3600;

const options = {
	...etlOptions,
	deadline: { type: 'string', value: 'S', description: 'the fan-out waits for its tables at most S seconds, then cancels the rest and fails naming them (default 3600)' },
	timeout: { type: 'string', value: 'S', description: 'give up after S seconds (exit 124; the run goes on in Prefect)' }
} as const;

const spec = {
	command: 'npm run run:distributed',
	summary: 'Trigger the distributed ETL (one run per table on the workers) and follow it with a progress bar; exit 0 only if it completes.',
	notes: ['While the run waits and no worker polls the work pool, it says so and how to start one (npm run workers), and keeps following.'],
	options,
	env: ['PREFECT_API_URL', 'PREFECT_API_KEY', 'PREFECT_WORK_POOL', 'HOST', 'PORT'],
	examples: ['npm run run:distributed -- --tables 6 --seconds 2 --fail 2,5 --deadline 600 --timeout 900']
} satisfies CliSpec<typeof options>;

main(async () => {
	const { values } = parseCli(spec);
	const deadline = values.deadline === undefined ? undefined : Number(values.deadline);
	if (deadline !== undefined && !(deadline > 0 && deadline <= MAX_DEADLINE_SECONDS)) usageError(spec, `--deadline must be a number of seconds > 0 and at most ${MAX_DEADLINE_SECONDS}`);
	const params = { ...parseEtlArgs(spec, values), ...(deadline === undefined ? {} : { deadline_seconds: deadline }) };
	const timeout = values.timeout === undefined ? undefined : Number(values.timeout);
	if (timeout !== undefined && !(timeout > 0)) usageError(spec, '--timeout must be a number of seconds > 0');
	const cfg = cliConfig();
	const prefect = await reachablePrefect(cfg);
	const deployment = await prefect.deployments.byName(ORCHESTRATOR.flow, ORCHESTRATOR.deployment).catch((error: unknown) => {
		if (isPrefectError(error, 'not-found')) fail(`deployment ${ORCHESTRATOR.flow}/${ORCHESTRATOR.deployment} not found at ${cfg.PREFECT_API_URL}: run npm run deploy first`);
		throw error;
	});
	const run = await prefect.deployments.createFlowRun(deployment.id, { parameters: params, tags: ['flowdeck-cli'] });
	const origin = new URL(cfg.PREFECT_API_URL);
	console.log(
		`Triggered ${run.name} (${run.id}): ${params.tables} tables × ${params.seconds} s${params.fail_tables.length ? `, failing ${params.fail_tables.join(', ')}` : ''}${params.deadline_seconds ? `, deadline ${params.deadline_seconds} s` : ''}`
	);
	console.log(`Flowdeck: http://${cfg.HOST}:${cfg.PORT}/runs/${run.id} · Prefect UI: ${origin.protocol}//${origin.host}/flow-runs/flow-run/${run.id}`);
	const { snapshot, timedOut } = await followRun(prefect, run.id, {
		timeoutMs: timeout === undefined ? undefined : timeout * 1000,
		check: noWorkerHint(prefect, deployment.work_pool_name ?? cfg.PREFECT_WORK_POOL)
	});
	const final = snapshot.run;
	if (timedOut) {
		console.error(`\u2717 gave up after ${timeout} s (--timeout): ${final.name} is ${final.state.name}; it goes on in Prefect (cancel it on its Flowdeck page)`);
		return 124;
	}
	const completed = final.state.type === 'COMPLETED';
	console.log(`${completed ? '\u2713' : '\u2717'} ${final.name}: ${final.state.name}${final.stateMessage ? ` — ${final.stateMessage}` : ''}`);
	return completed ? 0 : 1;
});
