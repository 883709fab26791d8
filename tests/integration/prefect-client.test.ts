import { describe, expect, it } from 'vitest';
import { ORCHESTRATOR, TABLE_CHILD, TASK_PARALLEL } from '#lib/deployment-names.ts';
import { isPrefectError } from '#lib/prefect/errors.ts';
import { testPrefect, testServerVersion } from '../helpers/stack.ts';

const prefect = testPrefect();

async function kindOf(promise: Promise<unknown>): Promise<string> {
	try {
		await promise;
		return 'ok';
	} catch (error) {
		if (isPrefectError(error)) return error.kind;
		throw error;
	}
}

describe('typed client against a real Prefect server', () => {
	it('reads health and version', async () => {
		expect(await prefect.health()).toBe(true);
		expect(await prefect.serverVersion()).toBe(testServerVersion());
	});

	it('finds the deployed flows by name and lists them', async () => {
		for (const { flow, deployment } of [ORCHESTRATOR, TABLE_CHILD, TASK_PARALLEL]) {
			const found = await prefect.deployments.byName(flow, deployment);
			expect(found.name).toBe(deployment);
			expect(found.work_pool_name).toBe('default-pool');
		}
		const flows = await prefect.flows.filter();
		expect(flows.map((flow) => flow.name)).toEqual(expect.arrayContaining([ORCHESTRATOR.flow, TABLE_CHILD.flow, TASK_PARALLEL.flow]));
	});

	it("maps unknown ids to not-found and bad filters to validation with Prefect's message", async () => {
		expect(await kindOf(prefect.flowRuns.get('00000000-0000-0000-0000-000000000000'))).toBe('not-found');
		expect(await kindOf(prefect.deployments.byName('no-such-flow', 'nope'))).toBe('not-found');
		expect(await kindOf(prefect.flows.filter({ limit: 201 }))).toBe('validation');
	});

	it('creates a work pool once (409 afterwards) and lists its workers', async () => {
		const name = `it-pool-${Date.now()}`;
		const pool = await prefect.workPools.create({ name });
		expect(pool.type).toBe('process');
		expect(await kindOf(prefect.workPools.create({ name }))).toBe('conflict');
		expect((await prefect.workPools.filter()).map((found) => found.name)).toContain(name);
		expect(await prefect.workPools.workers(name)).toEqual([]);
	});

	it('creates, reads, resets and deletes a tag concurrency limit', async () => {
		const tag = `it-tag-${Date.now()}`;
		expect((await prefect.concurrencyLimits.upsert(tag, 2)).concurrency_limit).toBe(2);
		expect((await prefect.concurrencyLimits.upsert(tag, 4)).concurrency_limit).toBe(4);
		expect((await prefect.concurrencyLimits.get(tag)).active_slots).toEqual([]);
		await prefect.concurrencyLimits.reset(tag);
		expect((await prefect.concurrencyLimits.filter()).map((limit) => limit.tag)).toContain(tag);
		await prefect.concurrencyLimits.delete(tag);
		expect(await kindOf(prefect.concurrencyLimits.get(tag))).toBe('not-found');
	});

	it('creates a scheduled flow run from a deployment and reads it back', async () => {
		const deployment = await prefect.deployments.byName(TASK_PARALLEL.flow, TASK_PARALLEL.deployment);
		const later = new Date(Date.now() + 3600_000).toISOString();
		const run = await prefect.deployments.createFlowRun(deployment.id, {
			name: 'it-scheduled-later',
			parameters: { tables: 1, seconds: 0 },
			state: { type: 'SCHEDULED', state_details: { scheduled_time: later } }
		});
		expect(run.state_type).toBe('SCHEDULED');
		expect((await prefect.flowRuns.get(run.id)).parameters).toMatchObject({ tables: 1, seconds: 0 });
		const result = await prefect.flowRuns.setState(run.id, { type: 'CANCELLED', name: 'Cancelled' }, true);
		expect(result.status).toBe('ACCEPT');
		expect((await prefect.flowRuns.get(run.id)).state_type).toBe('CANCELLED');
	});
});
