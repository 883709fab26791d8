/**
 * The trigger form of a deployment, generated from its parameter_openapi_schema (a pydantic v1 JSON schema
 * that Prefect builds from the flow's signature), and the server-side reading of what was submitted.
 * Every value is checked here, with one message per field, before anything is sent to Prefect.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { findInt64Overflow, INT64_MAX, INT64_MIN, parseJsonExact, stringifyJson } from '#lib/json.ts';
import type { NewFlowRun } from '#lib/prefect/schemas.ts';

/** `secret`: a SecretStr (its default reads back as Prefect's mask, never as the value). `tristate`: Optional[bool] = None. */
export type FieldKind = 'string' | 'secret' | 'integer' | 'number' | 'boolean' | 'tristate' | 'enum' | 'array' | 'json';
export type ItemKind = 'string' | 'integer' | 'number';

export interface ParameterField {
	name: string;
	label: string;
	description: string | null;
	kind: FieldKind;
	required: boolean;
	/** Choices of an enum field. */
	options: Array<string | number>;
	/** Item type of an array field edited as a comma-separated list. */
	itemKind: ItemKind | null;
	/** `object` or `array` when a JSON field must hold that shape. */
	jsonShape: 'object' | 'array' | null;
	minimum: number | null;
	maximum: number | null;
	minLength: number | null;
	maxLength: number | null;
	/** The text the input starts with: the deployment's default, else the schema's. Submitted unchanged, the field is not sent. */
	initial: string;
	/** Has a default (the deployment's or the flow's): left empty or untouched, Prefect uses it. */
	hasDefault: boolean;
}

type Schema = Record<string, unknown>;
const isObject = (value: unknown): value is Schema => typeof value === 'object' && value !== null && !Array.isArray(value);
const numberOr = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null);

/** Follows `$ref`s into `definitions` (and pydantic v1's single-element allOf wrapper). */
function resolve(schema: Schema, root: Schema, depth = 0): Schema {
	if (depth > 10) return schema;
	const ref = schema.$ref;
	if (typeof ref === 'string') {
		const name = ref.replace(/^#\/(definitions|\$defs)\//, '');
		const definitions = (isObject(root.definitions) ? root.definitions : isObject(root.$defs) ? root.$defs : {}) as Schema;
		const target = definitions[name];
		return isObject(target) ? resolve({ ...target, ...withoutRef(schema) }, root, depth + 1) : withoutRef(schema);
	}
	if (Array.isArray(schema.allOf) && schema.allOf.length === 1 && isObject(schema.allOf[0])) {
		const { allOf: _allOf, ...rest } = schema;
		return resolve({ ...(schema.allOf[0] as Schema), ...rest }, root, depth + 1);
	}
	return schema;
}

function withoutRef(schema: Schema): Schema {
	const { $ref: _ref, ...rest } = schema;
	return rest;
}

const primitiveKinds = ['string', 'integer', 'number'] as const;
const asItemKind = (type: unknown): ItemKind | null => ((primitiveKinds as readonly unknown[]).includes(type) ? (type as ItemKind) : null);

function kindOf(schema: Schema, root: Schema, initial: unknown): Pick<ParameterField, 'kind' | 'options' | 'itemKind' | 'jsonShape'> {
	const none = { options: [], itemKind: null, jsonShape: null };
	// pydantic v1 writes SecretStr as a write-only password string.
	if (schema.type === 'string' && (schema.writeOnly === true || schema.format === 'password')) return { ...none, kind: 'secret' };
	// pydantic v1 drops Optional from the schema: a boolean without a boolean default may be None.
	if (schema.type === 'boolean' && typeof initial !== 'boolean') return { ...none, kind: 'tristate' };
	if (Array.isArray(schema.enum) && schema.enum.every((value) => typeof value === 'string' || typeof value === 'number')) {
		return { ...none, kind: 'enum', options: schema.enum as Array<string | number> };
	}
	switch (schema.type) {
		case 'string':
		case 'integer':
		case 'number':
		case 'boolean':
			return { ...none, kind: schema.type };
		case 'array': {
			const items = isObject(schema.items) ? resolve(schema.items, root) : {};
			const itemKind = Array.isArray(items.enum) ? null : asItemKind(items.type);
			return itemKind ? { ...none, kind: 'array', itemKind } : { ...none, kind: 'json', jsonShape: 'array' };
		}
		case 'object':
			return { ...none, kind: 'json', jsonShape: 'object' };
		default:
			// Unions (anyOf), untyped parameters (Any): any JSON value.
			return { ...none, kind: 'json' };
	}
}

/** The text an input shows for a value. */
export function formatValue(field: Pick<ParameterField, 'kind'>, value: unknown, options: { explicit?: boolean } = {}): string {
	if (value === undefined || value === null) return '';
	// An empty field means "the deployment's default": a value copied from a run (`explicit`) must not read as that.
	if (options.explicit && Array.isArray(value) && value.length === 0 && field.kind === 'array') return '[]';
	switch (field.kind) {
		case 'boolean':
		case 'tristate':
			return value === true ? 'true' : value === false ? 'false' : '';
		case 'secret':
			return '';
		case 'array':
			return Array.isArray(value) && value.every((item) => typeof item !== 'string' || !item.includes(',')) ? value.join(', ') : stringifyJson(value);
		case 'json':
			return stringifyJson(value, 2);
		default:
			return typeof value === 'string' ? value : stringifyJson(value);
	}
}

/** Fields in the flow signature's order (Prefect's `position`), prefilled with the deployment's defaults. */
export function fieldsFromSchema(schema: unknown, defaults: Record<string, unknown> = {}): ParameterField[] {
	if (!isObject(schema) || !isObject(schema.properties)) return [];
	const root = schema;
	const required = new Set(Array.isArray(schema.required) ? schema.required.filter((name) => typeof name === 'string') : []);
	const entries = Object.entries(schema.properties).filter((entry): entry is [string, Schema] => isObject(entry[1]));
	const position = (property: Schema) => numberOr(property.position) ?? Number.MAX_SAFE_INTEGER;
	return entries
		.map(([name, property], index) => ({ name, property, index }))
		.sort((a, b) => position(a.property) - position(b.property) || a.index - b.index)
		.map(({ name, property }) => {
			const resolved = resolve(property, root);
			const initial = name in defaults ? defaults[name] : resolved.default;
			const kind = kindOf(resolved, root, initial);
			return {
				name,
				label: typeof resolved.title === 'string' ? resolved.title : name,
				description: typeof resolved.description === 'string' ? resolved.description : null,
				...kind,
				required: required.has(name) && !(name in defaults),
				minimum: numberOr(resolved.minimum) ?? numberOr(resolved.exclusiveMinimum),
				maximum: numberOr(resolved.maximum) ?? numberOr(resolved.exclusiveMaximum),
				minLength: numberOr(resolved.minLength),
				maxLength: numberOr(resolved.maxLength),
				initial: formatValue(kind, initial),
				hasDefault: name in defaults || 'default' in resolved || !required.has(name)
			};
		});
}

type Read = { value: unknown } | { error: string };

/**
 * A whole number is read exactly (BigInt past 2^53, never rounded) and must fit the 64 bits Prefect stores:
 * a bigger one would be accepted once and then break every list that includes the run.
 */
function readNumber(text: string, integer: boolean): Read {
	if (integer) {
		if (!/^[-+]?\d+$/.test(text)) return { error: 'Enter a whole number' };
		const exact = BigInt(text.replace(/^\+/, ''));
		if (exact < INT64_MIN || exact > INT64_MAX) return { error: `Enter a whole number between ${INT64_MIN} and ${INT64_MAX}` };
		return { value: Number.isSafeInteger(Number(exact)) ? Number(exact) : exact };
	}
	const value = Number(text);
	if (text === '' || !Number.isFinite(value)) return { error: 'Enter a number' };
	return { value };
}

/** Exact for big integers too (a BigInt against the schema's bounds). */
function checkBounds(field: ParameterField, value: number | bigint): string | null {
	const below = (bound: number) => (typeof value === 'bigint' && Number.isInteger(bound) ? value < BigInt(bound) : Number(value) < bound);
	const above = (bound: number) => (typeof value === 'bigint' && Number.isInteger(bound) ? value > BigInt(bound) : Number(value) > bound);
	if (field.minimum !== null && below(field.minimum)) return `Must be at least ${field.minimum}`;
	if (field.maximum !== null && above(field.maximum)) return `Must be at most ${field.maximum}`;
	return null;
}

function readJson(text: string): Read {
	let value: unknown;
	try {
		value = parseJsonExact(text);
	} catch (error) {
		return { error: `Invalid JSON: ${error instanceof Error ? error.message : 'cannot parse'}` };
	}
	const overflow = findInt64Overflow(value);
	if (overflow) return { error: `${overflow.path ? `At ${overflow.path}: ` : ''}${overflow.value} does not fit in 64 bits (Prefect stores whole numbers between ${INT64_MIN} and ${INT64_MAX})` };
	return { value };
}

function readItems(field: ParameterField, text: string): Read {
	if (text.startsWith('[')) {
		const parsed = readJson(text);
		if ('error' in parsed) return parsed;
		if (!Array.isArray(parsed.value)) return { error: 'Enter a list' };
		return checkItems(field, parsed.value);
	}
	const parts = text
		.split(',')
		.map((part) => part.trim())
		.filter((part) => part !== '');
	if (field.itemKind === 'string') return { value: parts };
	const values: unknown[] = [];
	for (const part of parts) {
		const read = readNumber(part, field.itemKind === 'integer');
		if ('error' in read && /^-?\d+$/.test(part)) return { error: `"${part}" does not fit in 64 bits` };
		if ('error' in read) return { error: `"${part}" is not ${field.itemKind === 'integer' ? 'a whole number' : 'a number'}: enter a comma-separated list` };
		values.push(read.value);
	}
	return { value: values };
}

function checkItems(field: ParameterField, items: unknown[]): Read {
	const wrong = items.find((item) =>
		field.itemKind === 'string'
			? typeof item !== 'string'
			: typeof item === 'bigint'
				? field.itemKind !== 'integer'
				: typeof item !== 'number' || (field.itemKind === 'integer' && !Number.isInteger(item))
	);
	if (wrong !== undefined) return { error: `Every item must be ${field.itemKind === 'string' ? 'a string' : field.itemKind === 'integer' ? 'a whole number' : 'a number'}` };
	return { value: items };
}

/**
 * One field's submitted text (undefined: not submitted) to a value, a message, or null: nothing to send, so
 * Prefect keeps the deployment's default (the field was left as it was, or empty where a default exists).
 */
export function readField(field: ParameterField, submitted: string | undefined): Read | null {
	if (submitted !== undefined && submitted === field.initial && field.hasDefault) return null;
	if (field.kind === 'boolean') return { value: submitted === 'true' || submitted === 'on' };
	if (field.kind === 'tristate') return submitted === 'true' ? { value: true } : submitted === 'false' ? { value: false } : submitted === 'null' ? { value: null } : null;
	const text = (submitted ?? '').trim();
	if (text === '') return field.required ? { error: 'Required' } : null;
	switch (field.kind) {
		case 'secret':
		case 'string': {
			const raw = submitted ?? '';
			if (field.minLength !== null && raw.length < field.minLength) return { error: `At least ${field.minLength} characters` };
			if (field.maxLength !== null && raw.length > field.maxLength) return { error: `At most ${field.maxLength} characters` };
			return { value: raw };
		}
		case 'integer':
		case 'number': {
			const read = readNumber(text, field.kind === 'integer');
			if ('error' in read) return read;
			const problem = checkBounds(field, read.value as number | bigint);
			return problem ? { error: problem } : read;
		}
		case 'enum': {
			const option = field.options.find((choice) => String(choice) === text);
			return option === undefined ? { error: `Choose one of: ${field.options.join(', ')}` } : { value: option };
		}
		case 'array':
			return readItems(field, text);
		case 'json': {
			const read = readJson(text);
			if ('error' in read) return read;
			if (field.jsonShape === 'object' && !isObject(read.value)) return { error: 'Enter a JSON object ({ … })' };
			if (field.jsonShape === 'array' && !Array.isArray(read.value)) return { error: 'Enter a JSON list ([ … ])' };
			return read;
		}
	}
}

/** What the trigger form sends back: every input by name (`param.<name>`, `name`, `tags`, `start`, `tzOffset`). */
export type Submitted = Record<string, string | undefined>;

export function submittedOf(form: FormData): Submitted {
	const entries: Submitted = {};
	for (const [key, value] of form) if (typeof value === 'string') entries[key] = value;
	return entries;
}

export type TriggerResult = { ok: true; run: NewFlowRun } | { ok: false; errors: Record<string, string>; values: Submitted };

const MAX_TAGS = 20;

/**
 * Reads a submitted trigger form. `start` is a datetime-local value in the browser's timezone, given as
 * `tzOffset` (minutes, as Date.getTimezoneOffset returns; 0 when the browser runs no JavaScript: UTC).
 */
export function readTriggerForm(fields: ParameterField[], submitted: Submitted, now = new Date(), schema?: ParameterSchema): TriggerResult {
	const errors: Record<string, string> = {};
	const parameters: Record<string, unknown> = {};
	for (const field of fields) {
		const read = readField(field, submitted[`param.${field.name}`]);
		if (read === null) continue;
		if ('error' in read) errors[`param.${field.name}`] = read.error;
		else parameters[field.name] = read.value;
	}
	// The whole-schema check covers what each field's own check cannot (nested models); a field keeps its own message.
	if (schema) for (const [key, message] of Object.entries(schema.check(parameters))) errors[key] ??= message;

	const name = (submitted.name ?? '').trim();
	if (name.length > 200) errors.name = 'At most 200 characters';

	const tags = [
		...new Set(
			(submitted.tags ?? '')
				.split(',')
				.map((tag) => tag.trim())
				.filter(Boolean)
		)
	];
	if (tags.length > MAX_TAGS) errors.tags = `At most ${MAX_TAGS} tags`;
	else if (tags.some((tag) => tag.length > 100)) errors.tags = 'Each tag has at most 100 characters';

	let scheduledTime: string | null = null;
	const start = (submitted.start ?? '').trim();
	if (start) {
		const offset = Number(submitted.tzOffset ?? '0');
		const wall = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(start) ? Date.parse(`${start}Z`) : Number.NaN;
		if (Number.isNaN(wall) || !Number.isInteger(offset) || Math.abs(offset) > 14 * 60) errors.start = 'Enter a date and time';
		else {
			const at = new Date(wall + offset * 60_000);
			if (at.getTime() < now.getTime() - 60_000) errors.start = 'Choose a time in the future, or leave empty to start now';
			else scheduledTime = at.toISOString();
		}
	}

	if (Object.keys(errors).length > 0) return { ok: false, errors, values: submitted };
	return {
		ok: true,
		run: {
			parameters,
			...(name ? { name } : {}),
			...(tags.length ? { tags } : {}),
			...(scheduledTime ? { state: { type: 'SCHEDULED', state_details: { scheduled_time: scheduledTime } } } : {})
		}
	};
}

/**
 * The deployment's whole parameter schema, to check what will run (nested pydantic models through
 * `definitions`/$ref, enums, bounds, required fields) as Prefect will: the changed values over the
 * deployment's defaults. Messages are keyed by field (`param.<name>`), naming the path inside it.
 */
export interface ParameterSchema {
	check(changed: Record<string, unknown>): Record<string, string>;
}

const ajv = new Ajv({ strict: false, allErrors: true, logger: false });
addFormats(ajv);
const compiled = new WeakMap<object, ValidateFunction | null>();

export function parameterSchema(schema: unknown, defaults: Record<string, unknown> = {}): ParameterSchema {
	return {
		check(changed) {
			const validate = compile(schema);
			if (!validate) return {};
			// The schema describes plain JSON numbers: big integers (already checked to fit 64 bits) as numbers.
			const merged = JSON.parse(stringifyJson({ ...defaults, ...changed })) as Record<string, unknown>;
			if (validate(merged)) return {};
			const errors: Record<string, string> = {};
			for (const error of validate.errors ?? []) {
				const [field, where] = locate(error);
				const key = field ? `param.${field}` : 'form';
				const message = error.keyword === 'required' ? 'required' : (error.message ?? 'is not valid');
				if (!(key in errors)) errors[key] = where ? `${where}: ${message}` : message === 'required' ? 'Required' : message;
			}
			return errors;
		}
	};
}

/** Which parameter an error is about, and where inside it (`limits.max`). */
function locate(error: ErrorObject): [string | null, string] {
	const path = error.instancePath
		.split('/')
		.slice(1)
		.map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
	if (error.keyword === 'required' && typeof error.params.missingProperty === 'string') path.push(error.params.missingProperty);
	const [field, ...inside] = path;
	return [
		field ?? null,
		inside
			.map((part) => (/^\d+$/.test(part) ? `[${part}]` : part))
			.join('.')
			.replace(/\.\[/g, '[')
	];
}

function compile(schema: unknown): ValidateFunction | null {
	if (!isObject(schema)) return null;
	if (!compiled.has(schema)) {
		try {
			compiled.set(schema, ajv.compile(pydanticV1Optional(stripIds(schema)) as object));
		} catch {
			compiled.set(schema, null); // a schema ajv cannot read: the field checks above still apply
		}
	}
	return compiled.get(schema) ?? null;
}

/** Deep copy without `$id`s (one schema per deployment, compiled into one shared validator cache). */
function stripIds(value: unknown): unknown {
	if (Array.isArray(value)) return value.map(stripIds);
	if (!isObject(value)) return typeof value === 'bigint' ? Number(value) : value;
	return Object.fromEntries(
		Object.entries(value)
			.filter(([key]) => key !== '$id')
			.map(([key, item]) => [key, stripIds(item)])
	);
}

/**
 * pydantic v1 leaves Optional out of its schemas: a field that is not required may hold null. So every
 * property not listed in its object's `required` also accepts null, at any depth (definitions included).
 */
function pydanticV1Optional(value: unknown): unknown {
	if (Array.isArray(value)) return value.map(pydanticV1Optional);
	if (!isObject(value)) return value;
	const out = Object.fromEntries(Object.entries(value).map(([key, item]) => [key, pydanticV1Optional(item)]));
	if (isObject(out.properties)) {
		const required = new Set(Array.isArray(out.required) ? out.required : []);
		out.properties = Object.fromEntries(Object.entries(out.properties).map(([name, property]) => [name, required.has(name) ? property : { anyOf: [property, { type: 'null' }] }]));
	}
	return out;
}
