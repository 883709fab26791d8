import { describe, expect, it } from 'vitest';
import { fieldsFromSchema, formatValue, parameterSchema, readField, readTriggerForm, type ParameterField } from '#lib/parameter-form.ts';

/** The shape Prefect 2.13.7 (pydantic v1) gives a flow's parameters, with an enum and a model behind $refs. */
const schema = {
	title: 'Parameters',
	type: 'object',
	properties: {
		fail_tables: { title: 'fail_tables', description: 'Tables that fail.', default: [], position: 2, type: 'array', items: { type: 'integer' } },
		tables: { title: 'tables', description: 'Number of tables.', default: 20, position: 0, type: 'integer' },
		seconds: { title: 'seconds', default: 30, position: 1, type: 'number', minimum: 0 },
		label: { title: 'label', position: 3, type: 'string', maxLength: 5 },
		mode: { title: 'mode', default: 'fast', position: 4, allOf: [{ $ref: '#/definitions/Mode' }] },
		dry_run: { title: 'dry_run', default: false, position: 5, type: 'boolean' },
		options: { title: 'options', position: 6, $ref: '#/definitions/Options' },
		names: { title: 'names', position: 7, type: 'array', items: { type: 'string' } },
		anything: { title: 'anything', position: 8 }
	},
	required: ['label', 'options'],
	definitions: {
		Mode: { title: 'Mode', description: 'How to run.', enum: ['fast', 'slow'], type: 'string' },
		Options: { title: 'Options', type: 'object', properties: { retries: { type: 'integer' } } }
	}
};

const fields = fieldsFromSchema(schema, { tables: 6 });
const field = (name: string) => fields.find((candidate) => candidate.name === name) as ParameterField;

describe('schema to form', () => {
	it('orders fields by position and picks a kind for each type', () => {
		expect(fields.map((f) => [f.name, f.kind])).toEqual([
			['tables', 'integer'],
			['seconds', 'number'],
			['fail_tables', 'array'],
			['label', 'string'],
			['mode', 'enum'],
			['dry_run', 'boolean'],
			['options', 'json'],
			['names', 'array'],
			['anything', 'json']
		]);
	});

	it('resolves $ref and allOf into definitions', () => {
		expect(field('mode')).toMatchObject({ options: ['fast', 'slow'], description: 'How to run.', initial: 'fast' });
		expect(field('options')).toMatchObject({ jsonShape: 'object', required: true });
	});

	it('prefills deployment defaults over schema defaults', () => {
		expect(field('tables').initial).toBe('6');
		expect(field('seconds').initial).toBe('30');
		expect(field('fail_tables')).toMatchObject({ initial: '', itemKind: 'integer' });
		expect(field('dry_run').initial).toBe('false');
		expect(field('label')).toMatchObject({ required: true, maxLength: 5 });
	});

	it('writes an empty list copied from a run as [] (an empty field would mean the default), and reads it back as []', () => {
		expect(formatValue(field('fail_tables'), [])).toBe('');
		expect(formatValue(field('fail_tables'), [], { explicit: true })).toBe('[]');
		expect(readField(field('fail_tables'), '[]')).toEqual({ value: [] });
	});

	it('returns no fields for a missing or odd schema', () => {
		expect(fieldsFromSchema(null)).toEqual([]);
		expect(fieldsFromSchema({ type: 'object' })).toEqual([]);
	});
});

describe('validation', () => {
	it('reads each kind, with a message for bad input', () => {
		expect(readField(field('tables'), '12')).toEqual({ value: 12 });
		expect(readField(field('tables'), '1.5')).toEqual({ error: 'Enter a whole number' });
		expect(readField(field('tables'), 'abc')).toEqual({ error: 'Enter a whole number' });
		expect(readField(field('seconds'), '0.5')).toEqual({ value: 0.5 });
		expect(readField(field('seconds'), '-1')).toEqual({ error: 'Must be at least 0' });
		expect(readField(field('seconds'), 'Infinity')).toEqual({ error: 'Enter a number' });
		expect(readField(field('fail_tables'), '2, 5')).toEqual({ value: [2, 5] });
		expect(readField(field('fail_tables'), '[3]')).toEqual({ value: [3] });
		expect(readField(field('fail_tables'), '2, x')).toEqual({ error: '"x" is not a whole number: enter a comma-separated list' });
		expect(readField(field('names'), 'a, b')).toEqual({ value: ['a', 'b'] });
		expect(readField(field('mode'), 'slow')).toEqual({ value: 'slow' });
		expect(readField(field('mode'), 'medium')).toEqual({ error: 'Choose one of: fast, slow' });
		expect(readField(field('dry_run'), 'true')).toEqual({ value: true });
		expect(readField(field('dry_run'), undefined)).toEqual({ value: false });
		expect(readField(field('options'), '{"retries": 2}')).toEqual({ value: { retries: 2 } });
		expect(readField(field('options'), '[1]')).toEqual({ error: 'Enter a JSON object ({ … })' });
		expect(readField(field('options'), '{oops')).toMatchObject({ error: expect.stringMatching(/^Invalid JSON/) });
		expect(readField(field('anything'), '"text"')).toEqual({ value: 'text' });
		expect(readField(field('label'), 'toolong')).toEqual({ error: 'At most 5 characters' });
	});

	it('leaves empty optional fields to the deployment default and requires required ones', () => {
		expect(readField(field('seconds'), '  ')).toBeNull();
		expect(readField(field('label'), '')).toEqual({ error: 'Required' });
	});

	it('collects one message per field and sends nothing when any is wrong', () => {
		const result = readTriggerForm(fields, { 'param.tables': 'many', 'param.label': '', 'param.options': '{}', start: 'yesterday' });
		expect(result).toEqual({
			ok: false,
			errors: { 'param.tables': 'Enter a whole number', 'param.label': 'Required', start: 'Enter a date and time' },
			values: { 'param.tables': 'many', 'param.label': '', 'param.options': '{}', start: 'yesterday' }
		});
	});

	it('builds the flow run: parameters, name, tags and a start time in the browser timezone', () => {
		const now = new Date('2024-05-10T12:00:00Z');
		const result = readTriggerForm(
			fields,
			{ 'param.tables': '3', 'param.label': 'x', 'param.options': '{}', 'param.dry_run': 'true', name: ' nightly ', tags: 'a, b, a', start: '2024-05-10T16:30', tzOffset: '-120' },
			now
		);
		expect(result).toEqual({
			ok: true,
			run: {
				parameters: { tables: 3, label: 'x', options: {}, dry_run: true },
				name: 'nightly',
				tags: ['a', 'b'],
				state: { type: 'SCHEDULED', state_details: { scheduled_time: '2024-05-10T14:30:00.000Z' } }
			}
		});
		expect(readTriggerForm(fields, { 'param.label': 'x', 'param.options': '{}', start: '2024-05-09T10:00' }, now)).toMatchObject({ ok: false, errors: { start: expect.stringMatching(/future/) } });
	});
});

describe('parameters Flowdeck did not write (pydantic models, SecretStr, big ints, Optional)', () => {
	// Shapes as pydantic v1 writes them for `tests/fixtures/flows/many_params.py`.
	const schema = {
		title: 'Parameters',
		type: 'object',
		properties: {
			big: { title: 'big', default: 1152921504606846976n, position: 0, type: 'integer' },
			token: { title: 'token', default: '**********', position: 1, type: 'string', writeOnly: true, format: 'password' },
			flag: { title: 'flag', position: 2, type: 'boolean' },
			config: { title: 'config', position: 3, allOf: [{ $ref: '#/definitions/Config' }] },
			seconds: { title: 'seconds', default: 1, position: 4, type: 'integer', minimum: 0 }
		},
		required: ['config'],
		definitions: {
			Config: {
				title: 'Config',
				type: 'object',
				properties: { name: { title: 'Name', type: 'string' }, limit: { title: 'Limit', type: 'integer', minimum: 1 }, note: { title: 'Note', type: 'string' } },
				required: ['name', 'limit']
			}
		}
	};
	const fields = fieldsFromSchema(schema, {});
	const byName = (name: string) => fields.find((field) => field.name === name)!;
	const untouched = Object.fromEntries(fields.map((field) => [`param.${field.name}`, field.initial]));

	it('shows big ints exactly, never the SecretStr mask, and None as none', () => {
		expect(byName('big').initial).toBe('1152921504606846976');
		expect(byName('token')).toMatchObject({ kind: 'secret', initial: '' });
		expect(byName('flag')).toMatchObject({ kind: 'tristate', initial: '' });
	});

	it('sends only what the person changed', () => {
		const result = readTriggerForm(fields, { ...untouched, 'param.config': '{"name": "a", "limit": 2}' }, new Date(), parameterSchema(schema));
		expect(result).toMatchObject({ ok: true, run: { parameters: { config: { name: 'a', limit: 2 } } } });
		expect(Object.keys((result as { run: { parameters: object } }).run.parameters)).toEqual(['config']);
	});

	it('reads big ints exactly and refuses what Prefect cannot store', () => {
		expect(readField(byName('big'), '9223372036854775807')).toEqual({ value: 9223372036854775807n });
		expect(readField(byName('big'), '9223372036854775808')).toMatchObject({ error: expect.stringMatching(/^Enter a whole number between/) });
		expect(readField(byName('seconds'), '99999999999999999999')).toMatchObject({ error: expect.stringMatching(/^Enter a whole number between/) });
		expect(readField(byName('config'), '{"name": "a", "limit": 99999999999999999999}')).toMatchObject({ error: expect.stringMatching(/^At limit: .* does not fit in 64 bits/) });
	});

	it('sends None, true or false for an Optional[bool]', () => {
		expect(readField(byName('flag'), 'null')).toEqual({ value: null });
		expect(readField(byName('flag'), 'false')).toEqual({ value: false });
		expect(readField(byName('flag'), '')).toBeNull();
	});

	it('checks nested models against the whole schema, field by field', () => {
		const result = readTriggerForm(fields, { ...untouched, 'param.config': '{"name": "a", "note": null}' }, new Date(), parameterSchema(schema));
		expect(result).toMatchObject({ ok: false, errors: { 'param.config': 'limit: required' } });
		const bad = readTriggerForm(fields, { ...untouched, 'param.config': '{"name": "a", "limit": 0}' }, new Date(), parameterSchema(schema));
		expect(bad).toMatchObject({ ok: false, errors: { 'param.config': 'limit: must be >= 1' } });
	});
});
