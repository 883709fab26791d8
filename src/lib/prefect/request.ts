/**
 * The one request path for every Prefect call: base URL, auth headers, timeout, limited retries for
 * idempotent reads, backoff while Prefect's database is busy, the CSRF handshake of a Prefect 3 server that asks
 * for it, shared reads (single flight and a short-lived cache per credential identity), zod validation of the
 * body, and mapping of every failure to a PrefectError.
 */
import { randomUUID } from 'node:crypto';
import ky, { isHTTPError, isNetworkError, isTimeoutError } from 'ky';
import type { z } from 'zod';
import { CsrfToken, DetailBody, ValidationErrorBody } from './schemas.ts';
import { PrefectError, type PrefectErrorKind } from './errors.ts';
import { parseJsonExact, stringifyJson } from '../json.ts';

export interface PrefectConnection {
	/** e.g. http://127.0.0.1:4200/api */
	apiUrl: string;
	/** Headers added to every call (Authorization): computed per call so sessions can renew. */
	headers?: () => Record<string, string> | Promise<Record<string, string>>;
	timeoutMs?: number;
	/** Retries for idempotent reads on network errors, timeouts and 502/503/504. */
	readRetries?: number;
	/** How long to keep re-sending a call (read or write) while Prefect answers that its database is busy. */
	busyRetryMs?: number;
	/**
	 * Who the credentials are (one key for everyone sharing one credential, one per signed-in session): reads
	 * with the same identity, method, path and body are shared through `sharedReads`. Without it nothing is shared.
	 */
	shareKey?: string;
	sharedReads?: SharedReads;
	/**
	 * Reads never use an answer shared earlier (a browser reload asks for fresh data with Cache-Control, a live
	 * stream, a reconciler about to act); their own answers are still shared with later callers.
	 */
	fresh?: boolean;
	/**
	 * CSRF tokens of servers that ask for them (Prefect 3 with PREFECT_SERVER_API_CSRF_PROTECTION_ENABLED), kept per
	 * connection (API URL and `shareKey`) so every request of a process reuses one; without it, one per requester.
	 */
	csrf?: CsrfTokens;
	/**
	 * Told of failures that can mean another server now answers at apiUrl (unreachable, a 5xx, an answer of an
	 * unexpected shape), so what was learned about the server, its version, is checked again.
	 */
	onServerFailure?: (error: PrefectError) => void;
	fetch?: typeof fetch;
}

const SERVER_FAILURES: ReadonlySet<PrefectErrorKind> = new Set(['unreachable', 'upstream', 'malformed']);

/**
 * Who a connection speaks for: what a caller's authentication adds to it (a session's cookies, the service
 * account's, an API key) and whom reads may be shared with. src/lib/auth builds them; the request path only
 * needs their shape.
 */
export type UpstreamCredentials = Pick<PrefectConnection, 'headers' | 'fetch' | 'shareKey'>;

export interface RequestOptions<S extends z.ZodType> {
	method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
	json?: unknown;
	searchParams?: Record<string, string>;
	/** Schema of a successful body; omit for calls whose answer is empty or ignored. */
	schema?: S;
	/** Reads (GET and the POST .../filter, count, history endpoints) may be retried; writes never. */
	idempotent?: boolean;
}

export type Requester = <S extends z.ZodType>(path: string, options: RequestOptions<S>) => Promise<z.infer<S>>;

/** The API URL as shown to people: credentials in it are never printed. */
export function displayUrl(apiUrl: string): string {
	try {
		const url = new URL(apiUrl);
		url.username = '';
		url.password = '';
		url.search = '';
		return url.toString().replace(/\/$/, '');
	} catch {
		return '(invalid URL)';
	}
}

export function createRequester(connection: PrefectConnection): Requester {
	const where = displayUrl(connection.apiUrl);
	const http = ky.create({
		prefix: connection.apiUrl,
		timeout: connection.timeoutMs ?? 10_000,
		throwHttpErrors: true,
		fetch: connection.fetch,
		redirect: 'manual',
		// Parameters may hold integers past 2^53: read and sent back exactly (BigInt), never rounded.
		parseJson: (text) => parseJsonExact(text),
		stringifyJson
	});

	const busyRetryMs = connection.busyRetryMs ?? DEFAULT_BUSY_RETRY_MS;
	const csrf = (connection.csrf ?? createCsrfTokens()).of(JSON.stringify([connection.apiUrl, connection.shareKey ?? null]));

	/** A new token for the connection's client id (never logged: a failure names the call only). */
	const fetchCsrfToken = async (headers: Record<string, string>): Promise<CsrfGrant> => {
		let body: unknown;
		try {
			body = await http('csrf-token', { method: 'GET', searchParams: { client: csrf.client }, headers, retry: 0 }).json();
		} catch (error) {
			throw toPrefectError(error, 'GET /csrf-token', where);
		}
		const parsed = CsrfToken.safeParse(body);
		if (!parsed.success) throw new PrefectError('malformed', `GET /csrf-token: Prefect at ${where} answered without a CSRF token`);
		return { token: parsed.data.token, expiresAt: Date.parse(parsed.data.expiration) };
	};

	async function send<S extends z.ZodType>(path: string, options: RequestOptions<S>): Promise<Response> {
		const startedAt = Date.now();
		const guarded = CSRF_METHODS.has(options.method);
		let csrfRenewed = false;
		for (let attempt = 1; ; attempt++) {
			const headers = connection.headers ? await connection.headers() : {};
			const grant = guarded ? csrf.current(() => fetchCsrfToken(headers)) : null;
			try {
				const token = grant && (await grant).token;
				return await sendOnce(path, options, token ? { ...headers, 'Prefect-Csrf-Token': token, 'Prefect-Csrf-Client': csrf.client } : headers);
			} catch (error) {
				// The server wants a token, a new one (expired, or replaced by another request's renewal): once per call.
				if (guarded && !csrfRenewed && isCsrfRefusal(error)) {
					csrfRenewed = true;
					await csrf.renew(grant, () => fetchCsrfToken(headers));
					continue;
				}
				if (!isDatabaseBusy(error)) throw error;
				const wait = busyBackoffMs(attempt);
				if (Date.now() - startedAt + wait > busyRetryMs) throw error;
				await new Promise((done) => setTimeout(done, wait));
			}
		}
	}

	function sendOnce<S extends z.ZodType>(path: string, options: RequestOptions<S>, headers: Record<string, string>): Promise<Response> {
		return http(path.replace(/^\//, ''), {
			method: options.method,
			json: options.json,
			searchParams: options.searchParams,
			headers,
			retry: options.idempotent
				? {
						limit: connection.readRetries ?? 2,
						methods: ['get', 'post'],
						statusCodes: [502, 503, 504],
						retryOnTimeout: true
					}
				: 0
		});
	}

	/**
	 * The call, its JSON body read when a schema wants it. A refused session is renewed (and the call sent again) by
	 * the credentials' own fetch (src/lib/auth/upstream.ts), which knows which cookies each call carried.
	 */
	async function answer<S extends z.ZodType>(path: string, options: RequestOptions<S>, label: string): Promise<Answer> {
		let response: Response;
		try {
			response = await send(path, options);
		} catch (error) {
			throw toPrefectError(error, label, where);
		}
		if (!options.schema) return { status: response.status, body: undefined };
		try {
			return { status: response.status, body: await response.json() };
		} catch {
			throw new PrefectError('malformed', `${label}: Prefect at ${where} answered with a body that is not JSON; is this a Prefect API URL?`, response.status);
		}
	}

	return async function request<S extends z.ZodType>(path: string, options: RequestOptions<S>): Promise<z.infer<S>> {
		try {
			return await requestOnce(path, options);
		} catch (error) {
			if (error instanceof PrefectError && SERVER_FAILURES.has(error.kind)) connection.onServerFailure?.(error);
			throw error;
		}
	};

	async function requestOnce<S extends z.ZodType>(path: string, options: RequestOptions<S>): Promise<z.infer<S>> {
		const label = `${options.method} ${path}`;
		const { sharedReads, shareKey } = connection;
		let result: Answer;
		if (sharedReads && shareKey && options.idempotent && options.schema) {
			// The credentials are checked for every caller (a session that ended gets nothing shared).
			try {
				if (connection.headers) await connection.headers();
			} catch (error) {
				throw toPrefectError(error, label, where);
			}
			const key = JSON.stringify([shareKey, connection.apiUrl, options.method, path, options.searchParams ?? null, options.json ?? null]);
			result = await sharedReads.read(key, () => answer(path, options, label), connection.fresh);
		} else {
			try {
				result = await answer(path, options, label);
			} finally {
				// Even a failed write (a timeout) may have changed something.
				if (sharedReads && !options.idempotent) sharedReads.invalidate();
			}
		}
		if (!options.schema) return undefined as z.infer<S>;
		const { status, body } = result;
		const parsed = options.schema.safeParse(body);
		if (!parsed.success) {
			const first = parsed.error.issues[0];
			const at = first?.path.length ? ` at ${first.path.join('.')}` : '';
			throw new PrefectError('malformed', `${label}: unexpected answer from Prefect${at}: ${first?.message ?? 'invalid body'}`, status);
		}
		return parsed.data;
	}
}

/** A CSRF token and when the server stops taking it. */
interface CsrfGrant {
	token: string;
	expiresAt: number;
}

/** The CSRF handshake state of one connection: its client id and current token. */
interface CsrfSession {
	readonly client: string;
	/** The token to send, or null while the server has never asked for one (2.x, or 3.x without CSRF protection). */
	current(fetchToken: () => Promise<CsrfGrant>): Promise<CsrfGrant> | null;
	/** The server refused the token `used`: a new one, fetched once however many calls were refused with `used` at once. */
	renew(used: Promise<CsrfGrant> | null, fetchToken: () => Promise<CsrfGrant>): Promise<CsrfGrant>;
}

export interface CsrfTokens {
	of(connectionKey: string): CsrfSession;
}

/** A token is renewed this long before Prefect says it expires (clocks differ; a call takes time). */
const CSRF_MARGIN_MS = 60_000;
/** The methods Prefect's CSRF middleware checks (its filter reads are POSTs). */
const CSRF_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Per connection key (API URL and credential identity); at most `maxConnections` kept, the oldest dropped first (one
 * per signed-in session would otherwise grow for the life of the process; a dropped one just does the handshake again).
 */
export function createCsrfTokens(maxConnections = 1000): CsrfTokens {
	const sessions = new Map<string, CsrfSession>();
	const createSession = (): CsrfSession => {
		let required = false;
		let grant: Promise<CsrfGrant> | null = null;
		let expiresAt = Number.POSITIVE_INFINITY;
		const start = (fetchToken: () => Promise<CsrfGrant>): Promise<CsrfGrant> => {
			const pending: Promise<CsrfGrant> = fetchToken();
			grant = pending;
			expiresAt = Number.POSITIVE_INFINITY;
			pending.then(
				(value) => {
					if (grant === pending) expiresAt = value.expiresAt;
				},
				// A failed fetch is not kept: the next call tries again.
				() => {
					if (grant === pending) grant = null;
				}
			);
			return pending;
		};
		return {
			client: randomUUID(),
			current(fetchToken) {
				if (!required) return null;
				if (!grant || expiresAt - CSRF_MARGIN_MS <= Date.now()) return start(fetchToken);
				return grant;
			},
			renew(used, fetchToken) {
				required = true;
				return grant && grant !== used ? grant : start(fetchToken);
			}
		};
	};
	return {
		of(connectionKey) {
			let session = sessions.get(connectionKey);
			if (!session) {
				if (sessions.size >= maxConnections) sessions.delete(sessions.keys().next().value!);
				sessions.set(connectionKey, (session = createSession()));
			}
			return session;
		}
	};
}

/** Prefect 3's CSRF middleware: 403 "Missing CSRF token.", "Missing client identifier.", "Invalid CSRF token or client identifier.". */
function isCsrfRefusal(error: unknown): boolean {
	if (!isHTTPError(error) || error.response.status !== 403) return false;
	const body = DetailBody.safeParse(error.data);
	return body.success && typeof body.data.detail === 'string' && /csrf|client identifier/i.test(body.data.detail);
}

/** A successful answer: its status and JSON body (shared between callers, so never mutated). */
interface Answer {
	status: number;
	body: unknown;
}

/**
 * Reads shared between callers with the same key: one request while it is in flight (single flight), and its
 * answer reused for `ttlMs` after it arrives. Failures are never kept; any write through a requester that uses
 * this clears everything, so a page read after a change never shows the state from before it.
 */
export interface SharedReads {
	/** The shared answer for `key`, or a new one from `load` (always when `fresh`), shared from then on. */
	read(key: string, load: () => Promise<Answer>, fresh?: boolean): Promise<Answer>;
	invalidate(): void;
}

export function createSharedReads(options: { ttlMs: number; maxEntries?: number; now?: () => number }): SharedReads {
	const now = options.now ?? Date.now;
	const maxEntries = options.maxEntries ?? 2000;
	const entries = new Map<string, { answer: Promise<Answer>; expiresAt: number }>();
	let generation = 0;
	let sweptAt = now();
	return {
		read(key, load, fresh = false) {
			const found = entries.get(key);
			if (!fresh && found && found.expiresAt > now()) return found.answer;
			// Expired answers are dropped at least once per ttl, and the oldest entry when the map is full.
			if (entries.size >= maxEntries || now() - sweptAt >= options.ttlMs) {
				sweptAt = now();
				for (const [oldKey, entry] of entries) if (entry.expiresAt <= sweptAt) entries.delete(oldKey);
				if (entries.size >= maxEntries) entries.delete(entries.keys().next().value!);
			}
			const started = generation;
			const entry = { answer: load(), expiresAt: Number.POSITIVE_INFINITY };
			entries.set(key, entry);
			entry.answer.then(
				() => {
					// An answer that was in flight during a write may predate it: not kept.
					if (started === generation && entries.get(key) === entry) entry.expiresAt = now() + options.ttlMs;
					else if (entries.get(key) === entry) entries.delete(key);
				},
				() => {
					if (entries.get(key) === entry) entries.delete(key);
				}
			);
			return entry.answer;
		},
		invalidate() {
			generation++;
			entries.clear();
		}
	};
}

function toPrefectError(error: unknown, label: string, where: string): PrefectError {
	if (error instanceof PrefectError) return error;
	if (isTimeoutError(error)) return new PrefectError('timeout', `${label}: Prefect at ${where} did not answer in time`);
	if (isNetworkError(error)) return new PrefectError('unreachable', `Prefect is unreachable at ${where} (${causeOf(error)})`);
	if (isHTTPError(error)) {
		const status = error.response.status;
		const detail = explain(error.data);
		const suffix = detail ? `: ${detail}` : '';
		if (status >= 300 && status < 400) return new PrefectError('unauthorized', `${label}: redirected to a login page (${status}): the gateway did not accept the session`, status);
		if (status === 401 || status === 403) return new PrefectError('unauthorized', `${label}: not authorized (${status})${suffix}`, status, detail);
		if (status === 404) return new PrefectError('not-found', `${label}: not found${suffix}`, status, detail);
		if (status === 409) return new PrefectError('conflict', `${label}: already exists${suffix}`, status, detail);
		if (status === 400 || status === 422) return new PrefectError('validation', `${label}: Prefect refused the request${suffix}`, status, detail);
		return new PrefectError('upstream', `${label}: Prefect failed with ${status}`, status, detail);
	}
	// Other errors' own messages may quote the request URL (and credentials in it): never pass them on.
	if (error instanceof TypeError) return new PrefectError('unreachable', `Prefect is unreachable at ${where} (the request could not be made)`);
	return new PrefectError('upstream', `${label}: the request failed`);
}

/** Long enough to ride out a burst of writes on SQLite (docs/operations.md); FLOWDECK_REQUEST_BUSY_SECONDS. */
const DEFAULT_BUSY_RETRY_MS = 12_000;

/** Exponential backoff from 200 ms up to 2 s, each wait jittered to 50-100 % so callers spread out. */
const busyBackoffMs = (attempt: number) => Math.min(2000, 200 * 2 ** (attempt - 1)) * (0.5 + Math.random() / 2);

/**
 * Prefect answers 503 `{"exception_message": "Service Unavailable"}` only when its database was busy (SQLite
 * locked): the transaction was rolled back, so even a write can be sent again, as Prefect's own client does.
 * Any other 503 (a gateway, a proxy) may have reached the server and is not retried for writes.
 */
function isDatabaseBusy(error: unknown): boolean {
	if (!isHTTPError(error) || error.response.status !== 503) return false;
	const body = ValidationErrorBody.safeParse(error.data);
	return body.success && body.data.exception_message === 'Service Unavailable' && !body.data.exception_detail;
}

function causeOf(error: Error): string {
	const cause = error.cause as { code?: string; cause?: { code?: string } } | undefined;
	return cause?.code ?? cause?.cause?.code ?? 'connection failed';
}

/** Prefect's own words from an error body (422 message and field errors, or `detail`), never echoing the request. */
function explain(data: unknown): string | undefined {
	const validation = ValidationErrorBody.safeParse(data);
	if (validation.success && (validation.data.exception_message || validation.data.exception_detail)) {
		const fields = (validation.data.exception_detail ?? []).map((item) => [item.loc?.join('.'), item.msg].filter(Boolean).join(': ')).filter(Boolean);
		return [validation.data.exception_message, ...fields].filter(Boolean).join('; ');
	}
	const detail = DetailBody.safeParse(data);
	if (detail.success) return typeof detail.data.detail === 'string' ? detail.data.detail : JSON.stringify(detail.data.detail);
	return undefined;
}
