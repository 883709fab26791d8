/** The OpenAPI contract checker itself, and that every wire schema is part of the contract the integration test checks. */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import * as wire from '#lib/prefect/schemas.ts';
import { checkContract, type OpenApiDocument } from '../helpers/openapi-contract.ts';
import { contracts } from '../contract/prefect-endpoints.ts';

const doc: OpenApiDocument = {
	paths: {
		'/things/{id}': { get: { responses: { '200': { content: { 'application/json': { schema: { $ref: '#/components/schemas/Thing' } } } } } } },
		'/things/filter': {
			post: {
				requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/Body' } } } },
				responses: { '200': { content: { 'application/json': { schema: { type: 'array', items: { $ref: '#/components/schemas/Thing' } } } } } }
			}
		}
	},
	components: {
		schemas: {
			Thing: {
				type: 'object',
				properties: {
					id: { type: 'string' },
					count: { type: 'integer' },
					state: { allOf: [{ $ref: '#/components/schemas/State' }] },
					when: { anyOf: [{ type: 'string', format: 'date-time' }, { type: 'null' }] },
					parameters: { type: 'object' }
				}
			},
			State: { type: 'string', enum: ['A', 'B', 'C'] },
			Body: { type: 'object', properties: { limit: { type: 'integer' }, sort: { type: 'string', enum: ['X', 'Y'] } } }
		}
	}
};
const Thing = z.object({ id: z.string(), count: z.number(), state: z.enum(['A', 'B', 'C']), when: z.string().nullable(), parameters: z.record(z.string(), z.unknown()) });

describe('checkContract', () => {
	it('accepts schemas that agree (refs, allOf, nullable unions, free-form objects)', () => {
		expect(checkContract(doc, { method: 'get', path: '/things/{id}', reads: Thing })).toEqual([]);
		expect(checkContract(doc, { method: 'post', path: '/things/filter', reads: z.array(Thing), sends: z.object({ limit: z.number() }) })).toEqual([]);
	});

	it('names a field the server dropped, a retyped field, an enum value the server may send and a missing operation', () => {
		const problems = checkContract(doc, {
			method: 'get',
			path: '/things/{id}',
			reads: Thing.extend({ schedule: z.string().optional(), count: z.string(), state: z.enum(['A', 'B']) })
		});
		expect(problems).toEqual([
			'GET /things/{id} count: Flowdeck expects string, the server has number',
			'GET /things/{id} state: the server may send C, which Flowdeck does not accept',
			'GET /things/{id} schedule: Flowdeck reads it, the server does not have it'
		]);
		expect(checkContract(doc, { method: 'get', path: '/gone', reads: Thing })).toEqual(['GET /gone: the server has no such operation']);
	});

	it('names a body key or enum value the server would refuse', () => {
		const problems = checkContract(doc, { method: 'post', path: '/things/filter', sends: z.object({ offset: z.number(), sort: z.enum(['X', 'Z']) }) });
		expect(problems).toEqual(['POST /things/filter offset: Flowdeck sends it, the server does not accept it', 'POST /things/filter sort: Flowdeck may send Z, which the server does not accept']);
	});
});

// Pieces of the listed schemas, not endpoints of their own.
const parts = new Set(['StateType', 'State', 'NewState', 'ValidationErrorBody', 'DetailBody', 'FlowRunCriteria', 'byIds', 'byName', 'FlowRunSort', 'DeploymentSchedule']);

describe('the contract list', () => {
	it('covers every wire schema Flowdeck declares, in the contract of some API generation', () => {
		const listed = new Set(
			[...contracts[2], ...contracts[3]].flatMap(({ reads, sends }) => [reads, sends, ...[reads, sends].map((schema) => (schema instanceof z.ZodArray ? schema.element : undefined))])
		);
		const missing = Object.entries(wire)
			.filter(([name, value]) => value instanceof z.ZodType && !parts.has(name) && !listed.has(value))
			.map(([name]) => name);
		expect(missing).toEqual([]);
	});
});

describe('the contracts per API generation', () => {
	it('list each endpoint once, with the same common calls in both', () => {
		for (const contract of Object.values(contracts)) {
			const keys = contract.map((entry) => `${entry.method} ${entry.path}`);
			expect(new Set(keys).size).toBe(keys.length);
		}
		const third = new Set(contracts[3].map((entry) => `${entry.method} ${entry.path}`));
		const onlyOn2 = contracts[2].map((entry) => `${entry.method} ${entry.path}`).filter((key) => !third.has(key));
		expect(onlyOn2.sort()).toEqual(['post /deployments/{id}/set_schedule_active', 'post /deployments/{id}/set_schedule_inactive']);
	});
});
