/** /deployments and /deployments/[id]: the table, one deployment's details and its trigger form. */
import { fail, redirect } from '@sveltejs/kit';
import type { PrefectClient } from '#lib/prefect/client.ts';
import { namesOf, toDeploymentView, toRunView, type DeploymentView, type RunView } from '#lib/prefect/models.ts';
import { fieldsFromSchema, formatValue, parameterSchema, readTriggerForm, submittedOf, type ParameterField } from '#lib/parameter-form.ts';
import { isUuid } from '#lib/runs/query.ts';
import { asFormFailure } from './form-actions.ts';
import { mapBounded } from './bounded.ts';
import { LIST_PAGE_SIZE, ROW_QUERIES_IN_FLIGHT, latestRuns, pagesOf, readMoment, type PageOf, type RecentRun } from './lookups.ts';
import { confirmStep, isConfirmed } from './run-actions.ts';

export interface DeploymentRow {
	deployment: DeploymentView;
	lastRun: RecentRun | null;
}

export interface DeploymentsTable extends PageOf {
	rows: DeploymentRow[];
}

/**
 * One page of deployments by name. In parallel: the page and the count; then the flows' names (one call) and
 * each deployment's last run (one light query per row, bounded in flight): exact at any number of runs.
 */
export async function loadDeployments(prefect: PrefectClient, page = 1, now = readMoment(), size = LIST_PAGE_SIZE): Promise<DeploymentsTable> {
	const [deployments, total] = await Promise.all([prefect.deployments.filter({ sort: 'NAME_ASC', limit: size, offset: (page - 1) * size }), prefect.deployments.count()]);
	const flowIds = [...new Set(deployments.map((deployment) => deployment.flow_id))];
	const [flows, lastRuns] = await Promise.all([
		flowIds.length ? prefect.flows.filter({ flows: { id: { any_: flowIds } } }) : [],
		mapBounded(deployments, (deployment) => latestRuns(prefect, { deployment: deployment.id }, 1, now), ROW_QUERIES_IN_FLIGHT)
	]);
	const names = namesOf(flows, deployments);
	const rows = deployments.map((deployment, index) => ({ deployment: toDeploymentView(deployment, names), lastRun: lastRuns[index]?.[0] ?? null }));
	return { rows, ...pagesOf(total, page, size) };
}

export interface DeploymentPage {
	deployment: DeploymentView;
	fields: ParameterField[];
	runs: RunView[];
	/** Scheduled runs, soonest first (Late ones included). */
	upcoming: RunView[];
	/** "Copy to new run": the run whose parameters prefill the form (`?from=<run id>`), as the form's values. */
	copiedFrom: { id: string; name: string; values: Record<string, string> } | null;
}

const LATEST_RUNS = 10;
export const UPCOMING_RUNS = 10;

/** The deployment, then in parallel its flow (name), latest runs, upcoming runs and the run to copy from. */
export async function loadDeploymentPage(prefect: PrefectClient, id: string, fromRunId: string | null = null): Promise<DeploymentPage> {
	const deployment = await prefect.deployments.get(id);
	const [flow, runs, upcoming, from] = await Promise.all([
		prefect.flows.get(deployment.flow_id),
		prefect.flowRuns.filter({ deployments: { id: { any_: [id] } }, sort: 'EXPECTED_START_TIME_DESC', limit: LATEST_RUNS }),
		prefect.flowRuns.filter({
			deployments: { id: { any_: [id] } },
			flow_runs: { state: { type: { any_: ['SCHEDULED'] } } },
			sort: 'EXPECTED_START_TIME_ASC',
			limit: UPCOMING_RUNS
		}),
		fromRunId && isUuid(fromRunId) ? prefect.flowRuns.filter({ flow_runs: { id: { any_: [fromRunId] } }, limit: 1 }) : Promise.resolve([])
	]);
	const names = namesOf([flow], [deployment]);
	const fields = fieldsFromSchema(deployment.parameter_openapi_schema, deployment.parameters);
	const source = from[0];
	return {
		deployment: toDeploymentView(deployment, names),
		fields,
		runs: runs.map((run) => toRunView(run, names)),
		upcoming: upcoming.map((run) => toRunView(run, names)),
		copiedFrom: source
			? {
					id: source.id,
					name: source.name,
					// Only the parameters the run had: the others keep the deployment's defaults.
					values: Object.fromEntries(
						fields.filter((field) => field.name in source.parameters).map((field) => [`param.${field.name}`, formatValue(field, source.parameters[field.name], { explicit: true })])
					)
				}
			: null
	};
}

/**
 * Turns the deployment's scheduling on or off (`active` = yes/no). Pausing asks first: Prefect deletes the runs its
 * scheduler had already created (2.x set_schedule_inactive, 3.x pause_deployment), keeping only those scheduled by hand.
 */
export async function setSchedule(prefect: PrefectClient, id: string, form: FormData, url: URL) {
	const active = form.get('active');
	if (active !== 'yes' && active !== 'no') return fail(400, { message: 'Say whether the schedule should be active (yes or no).' });
	if (active === 'no' && !isConfirmed(form)) return confirmStep(form, url, 'Pause the schedule? Prefect deletes the runs its scheduler already created for this deployment.', 'Pause schedule');
	return asFormFailure(async () => {
		await prefect.deployments.setPaused(id, active === 'no');
		return {
			message:
				active === 'yes' ? 'Schedule resumed: Prefect schedules new runs again.' : 'Schedule paused: Prefect schedules no new runs and deleted the ones it had scheduled (runs scheduled by hand stay).'
		};
	});
}

/**
 * The trigger form's action: the submitted values are checked against the deployment's schema here, and only
 * a valid form reaches Prefect; on success the browser goes to the new run.
 */
export async function triggerDeployment(prefect: PrefectClient, id: string, form: FormData) {
	const deployment = await prefect.deployments.get(id);
	const schema = deployment.parameter_openapi_schema;
	const result = readTriggerForm(fieldsFromSchema(schema, deployment.parameters), submittedOf(form), new Date(), parameterSchema(schema, deployment.parameters));
	if (!result.ok) return fail(400, { message: 'Some values are not valid: see the highlighted fields.', errors: result.errors, values: result.values });
	// A refusal shows the form again with what was entered.
	return asFormFailure(
		async () => {
			const run = await prefect.deployments.createFlowRun(id, result.run);
			redirect(303, `/runs/${run.id}`);
		},
		{ errors: {}, values: submittedOf(form) }
	);
}
