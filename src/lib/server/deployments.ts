/** /deployments and /deployments/[id]: the table, one deployment's details and its trigger form. */
import { fail, redirect } from '@sveltejs/kit';
import type { PrefectClient } from '#lib/prefect/client.ts';
import { describePrefectError, isPrefectError } from '#lib/prefect/errors.ts';
import { namesOf, toDeploymentView, toRunView, type DeploymentView, type RunView } from '#lib/prefect/models.ts';
import { fieldsFromSchema, formatValue, parameterSchema, readTriggerForm, submittedOf, type ParameterField } from '#lib/deployments/parameter-form.ts';
import { isUuid } from '#lib/runs/query.ts';
import { confirmStep, isConfirmed } from './run-actions.ts';
import { recentRuns, requireUuid, type RecentRun } from './lookups.ts';

export interface DeploymentRow {
	deployment: DeploymentView;
	lastRun: RecentRun | null;
}

/** Three calls in parallel: deployments, flows (names), recent runs (last state per deployment). */
export async function loadDeployments(prefect: PrefectClient, now = new Date()): Promise<{ rows: DeploymentRow[]; capped: boolean }> {
	const [deployments, flows, recent] = await Promise.all([prefect.deployments.filter({ sort: 'NAME_ASC' }), prefect.flows.filter({}), recentRuns(prefect, now)]);
	const names = namesOf(flows, deployments);
	const rows = deployments
		.map((deployment) => ({ deployment: toDeploymentView(deployment, names), lastRun: recent.byDeployment.get(deployment.id)?.[0] ?? null }))
		.sort((a, b) => `${a.deployment.flowName}/${a.deployment.name}`.localeCompare(`${b.deployment.flowName}/${b.deployment.name}`));
	return { rows, capped: recent.capped };
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
export async function loadDeploymentPage(prefect: PrefectClient, rawId: string, fromRunId: string | null = null): Promise<DeploymentPage> {
	const id = requireUuid(rawId, 'deployment');
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
					values: Object.fromEntries(fields.filter((field) => field.name in source.parameters).map((field) => [`param.${field.name}`, formatValue(field, source.parameters[field.name])]))
				}
			: null
	};
}

/**
 * Turns the deployment's schedule on or off (`active` = yes/no). Pausing asks first: Prefect 2.13.7 deletes the
 * runs its scheduler had already created (set_schedule_inactive), keeping only those scheduled by hand.
 */
export async function setSchedule(prefect: PrefectClient, rawId: string, form: FormData, url: URL) {
	const id = requireUuid(rawId, 'deployment');
	const active = form.get('active');
	if (active !== 'yes' && active !== 'no') return fail(400, { message: 'Say whether the schedule should be active (yes or no).' });
	if (active === 'no' && !isConfirmed(form))
		return confirmStep(form, url, 'Pause the schedule? Prefect deletes the runs its scheduler already created for this deployment.', 'Pause schedule');
	try {
		await prefect.deployments.setScheduleActive(id, active === 'yes');
	} catch (error) {
		if (!isPrefectError(error)) throw error;
		const view = describePrefectError(error);
		return fail(view.status, { message: `${view.title}: ${view.message}` });
	}
	return { message: active === 'yes' ? 'Schedule resumed: Prefect schedules new runs again.' : 'Schedule paused: Prefect schedules no new runs and deleted the ones it had scheduled (runs scheduled by hand stay).' };
}

/**
 * The trigger form's action: the submitted values are checked against the deployment's schema here, and only
 * a valid form reaches Prefect; on success the browser goes to the new run.
 */
export async function triggerDeployment(prefect: PrefectClient, rawId: string, form: FormData) {
	const id = requireUuid(rawId, 'deployment');
	const deployment = await prefect.deployments.get(id);
	const schema = deployment.parameter_openapi_schema;
	const result = readTriggerForm(fieldsFromSchema(schema, deployment.parameters), submittedOf(form), new Date(), parameterSchema(schema, deployment.parameters));
	if (!result.ok) return fail(400, { message: 'Some values are not valid: see the highlighted fields.', errors: result.errors, values: result.values });
	let runId: string;
	try {
		runId = (await prefect.deployments.createFlowRun(id, result.run)).id;
	} catch (error) {
		if (!isPrefectError(error)) throw error;
		const view = describePrefectError(error);
		return fail(view.status, { message: `${view.title}: ${view.message}`, errors: {}, values: result.ok ? submittedOf(form) : {} });
	}
	redirect(303, `/runs/${runId}`);
}
