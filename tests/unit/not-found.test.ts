import { describe, expect, it } from 'vitest';
import { params } from '../../src/params.ts';
import { malformedIdError } from '#lib/server/not-found.ts';

describe('id routes', () => {
	it('match a well-formed id only, in lower case', () => {
		const uuid = params.uuid['~standard'];
		expect(uuid.validate('0D3A4B6C-1111-4222-8333-444455556666')).toEqual({ value: '0d3a4b6c-1111-4222-8333-444455556666' });
		expect('issues' in (uuid.validate('not-an-id') as object)).toBe(true);
	});

	it('name what a malformed id was meant to be', () => {
		expect(malformedIdError('/runs/not-an-id')).toEqual({ title: 'Not found', message: 'No flow run has the id "not-an-id".' });
		expect(malformedIdError('/runs/x%20y/events')?.message).toBe('No flow run has the id "x y".');
		expect(malformedIdError('/runs/x/logs')?.message).toBe('No flow run has the id "x".');
		expect(malformedIdError('/flows/123')?.message).toBe('No flow has the id "123".');
		expect(malformedIdError('/deployments/%E0%A4%A')?.message).toBe('No deployment has the id "%E0%A4%A".');
		expect(malformedIdError(`/runs/${'a'.repeat(200)}`)?.message).toBe(`No flow run has the id "${'a'.repeat(80)}".`);
	});

	it('leave other missing pages alone', () => {
		for (const path of ['/nowhere', '/runs/x/elsewhere', '/flows/x/y', '/runs']) expect(malformedIdError(path)).toBeUndefined();
	});
});
