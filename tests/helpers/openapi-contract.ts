/**
 * Checks Flowdeck's zod wire schemas against a Prefect server's own OpenAPI document (/api/openapi.json), so a field
 * that a server version drops or retypes fails a test instead of showing wrong data.
 *
 * Direction matters. For an answer (`reads`), every field our schema describes must exist in the server's schema
 * with a compatible type, and every enum value the server may send must be one we accept. For a request body
 * (`sends`), every key we may send must exist (Prefect's bodies forbid unknown keys) and every enum value we send
 * must be one the server accepts. Nullability is not compared: pydantic 1 (Prefect 2.x) does not publish it.
 */
import { z } from 'zod';

type Json = Record<string, unknown>;
export type Direction = 'reads' | 'sends';

export interface OpenApiDocument {
	paths: Record<string, Record<string, Json>>;
	components?: { schemas?: Record<string, Json> };
}

export interface ContractEntry {
	method: 'get' | 'post' | 'patch' | 'put' | 'delete';
	/** The OpenAPI path template, relative to /api (e.g. `/flow_runs/{id}`). */
	path: string;
	/** What Flowdeck reads from the answer (200 or 201). */
	reads?: z.ZodType;
	/** What Flowdeck sends as the JSON body. */
	sends?: z.ZodType;
}

function asObject(value: unknown): Json {
	return value !== null && typeof value === 'object' ? (value as Json) : {};
}

/** Follows $ref and single-member allOf (pydantic 1 wraps a referenced default that way). */
function resolve(doc: OpenApiDocument, schema: Json): Json {
	let current = schema;
	for (let guard = 0; guard < 20; guard++) {
		const ref = current.$ref;
		if (typeof ref === 'string') {
			const name = ref.replace('#/components/schemas/', '');
			current = asObject(doc.components?.schemas?.[name]);
			continue;
		}
		const allOf = current.allOf;
		if (Array.isArray(allOf) && allOf.length === 1) {
			current = asObject(allOf[0]);
			continue;
		}
		return current;
	}
	return current;
}

/** The schema's alternatives other than null (anyOf/oneOf, or a type list). */
function variants(doc: OpenApiDocument, schema: Json): Json[] {
	const resolved = resolve(doc, schema);
	const union = resolved.anyOf ?? resolved.oneOf;
	if (Array.isArray(union)) return union.flatMap((member) => variants(doc, asObject(member)));
	if (Array.isArray(resolved.type)) {
		return resolved.type.filter((type) => type !== 'null').map((type) => ({ ...resolved, type }));
	}
	return resolved.type === 'null' ? [] : [resolved];
}

function kind(schema: Json): string | undefined {
	if (schema.type === 'integer') return 'number';
	if (typeof schema.type === 'string') return schema.type;
	if (schema.properties || schema.additionalProperties) return 'object';
	if (Array.isArray(schema.enum)) return typeof schema.enum[0];
	return undefined; // any
}

/** Compares one of our schemas (as JSON Schema) with the server's; returns readable mismatches. */
function compare(doc: OpenApiDocument, ours: Json, theirs: Json, at: string, direction: Direction): string[] {
	const oursVariants = variants({ paths: {} }, ours);
	const theirVariants = variants(doc, theirs);
	if (theirVariants.length === 0 || oursVariants.length === 0) return [];
	const problems: string[] = [];
	for (const mine of oursVariants) {
		const myKind = kind(mine);
		if (myKind === undefined) continue;
		const candidates = theirVariants.filter((their) => kind(their) === undefined || kind(their) === myKind);
		if (candidates.length === 0) {
			problems.push(`${at}: Flowdeck expects ${myKind}, the server has ${theirVariants.map(kind).join(' | ')}`);
			continue;
		}
		// Against a union (e.g. the details of an accept, reject or wait), agreeing with one member is enough.
		const outcomes = candidates.map((their) => compareSameKind(doc, mine, their, myKind, at, direction));
		if (outcomes.some((outcome) => outcome.length === 0)) continue;
		problems.push(...outcomes.reduce((fewest, outcome) => (outcome.length < fewest.length ? outcome : fewest)));
	}
	return problems;
}

function compareSameKind(doc: OpenApiDocument, mine: Json, theirs: Json, myKind: string, at: string, direction: Direction): string[] {
	if (kind(theirs) === undefined) return [];
	const problems = compareEnums(mine, theirs, at, direction);
	if (myKind === 'object') problems.push(...compareObjects(doc, mine, theirs, at, direction));
	if (myKind === 'array' && mine.items && theirs.items) {
		problems.push(...compare(doc, asObject(mine.items), asObject(theirs.items), `${at}[]`, direction));
	}
	return problems;
}

function compareEnums(mine: Json, theirs: Json, at: string, direction: Direction): string[] {
	if (!Array.isArray(mine.enum) || !Array.isArray(theirs.enum)) return [];
	const [from, to] = direction === 'reads' ? [theirs.enum, mine.enum] : [mine.enum, theirs.enum];
	const missing = from.filter((value) => !to.includes(value));
	if (missing.length === 0) return [];
	return [
		direction === 'reads' ? `${at}: the server may send ${missing.join(', ')}, which Flowdeck does not accept` : `${at}: Flowdeck may send ${missing.join(', ')}, which the server does not accept`
	];
}

function compareObjects(doc: OpenApiDocument, mine: Json, theirs: Json, at: string, direction: Direction): string[] {
	const myProperties = asObject(mine.properties);
	const theirProperties = asObject(theirs.properties);
	// A free-form object on their side (e.g. `parameters: object`) holds whatever keys ours names.
	if (Object.keys(theirProperties).length === 0) return [];
	const problems: string[] = [];
	for (const [name, schema] of Object.entries(myProperties)) {
		const path = at ? `${at}.${name}` : name;
		const their = theirProperties[name];
		if (their === undefined) {
			problems.push(direction === 'reads' ? `${path}: Flowdeck reads it, the server does not have it` : `${path}: Flowdeck sends it, the server does not accept it`);
			continue;
		}
		problems.push(...compare(doc, asObject(schema), asObject(their), path, direction));
	}
	return problems;
}

function toJsonSchema(schema: z.ZodType, direction: Direction): Json {
	// What we read is parsed from the wire (zod's input side); what we send is what the schema produces.
	return z.toJSONSchema(schema, { io: direction === 'reads' ? 'input' : 'output', unrepresentable: 'any' }) as Json;
}

/** Every mismatch between the entry and the server's document (empty when they agree). */
export function checkContract(doc: OpenApiDocument, entry: ContractEntry): string[] {
	const operation = doc.paths[entry.path]?.[entry.method];
	const where = `${entry.method.toUpperCase()} ${entry.path}`;
	if (!operation) return [`${where}: the server has no such operation`];
	const problems: string[] = [];
	if (entry.reads) {
		const responses = asObject(operation.responses);
		const answer = asObject(responses['200'] ?? responses['201']);
		const schema = asObject(asObject(asObject(answer.content)['application/json']).schema);
		problems.push(...compare(doc, toJsonSchema(entry.reads, 'reads'), schema, '', 'reads'));
	}
	if (entry.sends) {
		const body = asObject(asObject(asObject(asObject(operation.requestBody).content)['application/json']).schema);
		if (Object.keys(body).length === 0) problems.push(`${where}: the server takes no JSON body`);
		else problems.push(...compare(doc, toJsonSchema(entry.sends, 'sends'), body, '', 'sends'));
	}
	return problems.map((problem) => `${where} ${problem}`);
}
