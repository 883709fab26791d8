/**
 * JSON that keeps whole numbers exact. Python (and so Prefect's parameters) has integers of any size; a JS
 * number silently rounds past 2^53 (2**60 reads as 1152921504606847000). Integers past that read as BigInt
 * and are written back digit for digit, so a value goes through Flowdeck unchanged. Works in the browser too.
 */

type RawJson = (text: string) => unknown;
// JSON.rawJSON (Node 21+, current browsers) writes a number's exact digits; TypeScript's lib does not know it yet.
const rawJSON = (JSON as unknown as { rawJSON?: RawJson }).rawJSON;

/** Parses JSON; integers beyond Number.MAX_SAFE_INTEGER become BigInt (others stay numbers). */
export function parseJsonExact(text: string): unknown {
	return JSON.parse(text, (_key, value: unknown, context?: { source?: string }) =>
		typeof value === 'number' && !Number.isSafeInteger(value) && context?.source !== undefined && /^-?\d+$/.test(context.source) ? BigInt(context.source) : value
	);
}

/** JSON.stringify that writes BigInt as its exact digits (a plain number in JSON). */
export function stringifyJson(value: unknown, space?: number): string {
	return JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? (rawJSON ? rawJSON(item.toString()) : Number(item)) : item), space);
}

/** Prefect stores integers as 64-bit values (SQLite, and its JSON encoder refuses bigger ones when reading back). */
export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;
export const fitsInt64 = (value: bigint | number): boolean => {
	const big = typeof value === 'bigint' ? value : Number.isInteger(value) ? BigInt(value) : 0n;
	return big >= INT64_MIN && big <= INT64_MAX;
};

/** The first integer in a JSON value outside 64 bits, with its path (e.g. `config.limits[2]`), or null. */
export function findInt64Overflow(value: unknown, path = ''): { path: string; value: string } | null {
	if (typeof value === 'bigint' || (typeof value === 'number' && Number.isInteger(value))) return fitsInt64(value) ? null : { path, value: String(value) };
	if (Array.isArray(value)) {
		for (const [index, item] of value.entries()) {
			const found = findInt64Overflow(item, `${path}[${index}]`);
			if (found) return found;
		}
	} else if (typeof value === 'object' && value !== null) {
		for (const [key, item] of Object.entries(value)) {
			const found = findInt64Overflow(item, path ? `${path}.${key}` : key);
			if (found) return found;
		}
	}
	return null;
}
