/**
 * The one request path for every Prefect call: base URL, auth headers, timeout, limited retries for
 * idempotent reads, zod validation of the body, and mapping of every failure to a PrefectError.
 */
import ky, { isHTTPError, isNetworkError, isTimeoutError } from 'ky';
import type { z } from 'zod';
import { DetailBody, ValidationErrorBody } from './schemas.ts';
import { PrefectError } from './errors.ts';

export interface PrefectConnection {
	/** e.g. http://127.0.0.1:4200/api */
	apiUrl: string;
	/** Headers added to every call (Authorization, Cookie): computed per call so sessions can renew. */
	headers?: () => Record<string, string> | Promise<Record<string, string>>;
	/**
	 * Called once when upstream answers 401; resolve true after re-authenticating to retry the call once
	 * (service-account sign-in), false to let the 401 surface.
	 */
	onUnauthorized?: () => Promise<boolean>;
	timeoutMs?: number;
	/** Retries for idempotent reads on network errors, timeouts and 502/503/504. */
	readRetries?: number;
	fetch?: typeof fetch;
}

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
		redirect: 'manual'
	});

	async function send<S extends z.ZodType>(path: string, options: RequestOptions<S>): Promise<Response> {
		for (let attempt = 1; ; attempt++) {
			try {
				return await sendOnce(path, options);
			} catch (error) {
				if (attempt > BUSY_RETRIES || !isDatabaseBusy(error)) throw error;
				await new Promise((done) => setTimeout(done, 150 * attempt));
			}
		}
	}

	async function sendOnce<S extends z.ZodType>(path: string, options: RequestOptions<S>): Promise<Response> {
		const headers = connection.headers ? await connection.headers() : {};
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

	return async function request<S extends z.ZodType>(path: string, options: RequestOptions<S>): Promise<z.infer<S>> {
		const label = `${options.method} ${path}`;
		let response: Response;
		try {
			try {
				response = await send(path, options);
			} catch (error) {
				if (isHTTPError(error) && refusedCredentials(error.response.status) && connection.onUnauthorized && (await connection.onUnauthorized())) {
					response = await send(path, options);
				} else {
					throw error;
				}
			}
		} catch (error) {
			throw toPrefectError(error, label, where);
		}
		if (!options.schema) return undefined as z.infer<S>;
		let body: unknown;
		try {
			body = await response.json();
		} catch {
			throw new PrefectError('malformed', `${label}: Prefect at ${where} answered with a body that is not JSON; is this a Prefect API URL?`, response.status);
		}
		const parsed = options.schema.safeParse(body);
		if (!parsed.success) {
			const first = parsed.error.issues[0];
			const at = first?.path.length ? ` at ${first.path.join('.')}` : '';
			throw new PrefectError('malformed', `${label}: unexpected answer from Prefect${at}: ${first?.message ?? 'invalid body'}`, response.status);
		}
		return parsed.data;
	};
}

/** 401, or a gateway redirecting to its login page (ky throws for 3xx: redirects are not followed). */
const refusedCredentials = (status: number) => status === 401 || (status >= 300 && status < 400);

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

/** Writes too are retried when Prefect itself says its database was busy. */
const BUSY_RETRIES = 3;

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
		const fields = (validation.data.exception_detail ?? [])
			.map((item) => [item.loc?.join('.'), item.msg].filter(Boolean).join(': '))
			.filter(Boolean);
		return [validation.data.exception_message, ...fields].filter(Boolean).join('; ');
	}
	const detail = DetailBody.safeParse(data);
	if (detail.success) return typeof detail.data.detail === 'string' ? detail.data.detail : JSON.stringify(detail.data.detail);
	return undefined;
}
