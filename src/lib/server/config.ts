/**
 * Flowdeck's configuration: read from the environment (and a .env file), validated once with zod.
 * Every variable is documented in .env.example and docs/configuration.md.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';

const text = (fallback: string) => z.string().trim().min(1).default(fallback);
const optionalText = z
	.string()
	.trim()
	.optional()
	.transform((value) => (value ? value : undefined));
const int = (fallback: number, min: number, max: number) => z.coerce.number().int().min(min).max(max).default(fallback);
const seconds = (fallback: number) => z.coerce.number().positive().max(3600).default(fallback);
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });
const formField = z
	.string()
	.trim()
	.regex(/^[\w.\-[\]]+$/, 'must be a form field name');

export const ConfigSchema = z
	.object({
		PREFECT_API_URL: httpUrl.default('http://127.0.0.1:4200/api').transform((url) => url.replace(/\/+$/, '')),
		PREFECT_API_KEY: optionalText,
		/** "user:pass" of a Prefect 3 server's basic auth (PREFECT_SERVER_API_AUTH_STRING): sent as Authorization: Basic, instead of the key. */
		PREFECT_API_AUTH_STRING: optionalText,
		FLOWDECK_REQUEST_TIMEOUT_MS: int(10_000, 100, 300_000),
		FLOWDECK_READ_RETRIES: int(2, 0, 10),
		/** How long a call is re-sent while Prefect answers that its database is busy (nothing was saved). */
		FLOWDECK_REQUEST_BUSY_SECONDS: int(12, 0, 120),
		/** Identical reads in flight at once are made once, and their answer reused this long, per credential. */
		FLOWDECK_SHARED_READS: z.enum(['on', 'off']).default('on'),
		FLOWDECK_SHARED_READ_MS: int(1000, 0, 10_000),
		FLOWDECK_PREFECT_HOME: text('.prefect-home'),
		/** The Prefect major version the scripts start and run flows with when no server tells them (2 = 2.13.7, 3 = 3.x). */
		FLOWDECK_PREFECT_VERSION: z.enum(['2', '3']).default('2'),
		/** The local Prefect server's database: sqlite (in FLOWDECK_PREFECT_HOME), postgres (a cluster the scripts start), or a URL. */
		FLOWDECK_PREFECT_DATABASE: z
			.union([z.enum(['sqlite', 'postgres']), z.string().regex(/^postgresql\+asyncpg:\/\/\S+$/, 'must be sqlite, postgres or a postgresql+asyncpg:// URL')])
			.default('sqlite'),
		FLOWDECK_POSTGRES_DIR: text('.run/postgres'),
		/** Port of the local PostgreSQL (127.0.0.1 only); a free one when unset. */
		FLOWDECK_POSTGRES_PORT: z.coerce.number().int().min(1).max(65_535).optional(),
		PREFECT_WORK_POOL: text('default-pool'),
		PREFECT_CONCURRENCY_TAG: text('database'),
		PREFECT_CONCURRENCY_LIMIT: int(3, 0, 10_000),
		FLOWDECK_WORKERS: int(3, 1, 64),
		FLOWDECK_WORKER_PREFIX: z
			.string()
			.trim()
			.regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'letters, digits, _ . - only')
			.default('worker'),
		// Short intervals so a demo and the tests feel live; Prefect's own defaults are 10, 10, 30 and 30 s.
		PREFECT_WORKER_QUERY_SECONDS: seconds(2),
		PREFECT_WORKER_PREFETCH_SECONDS: seconds(2),
		PREFECT_WORKER_HEARTBEAT_SECONDS: seconds(10),
		PREFECT_TASK_RUN_TAG_CONCURRENCY_SLOT_WAIT_SECONDS: seconds(1),
		FLOWDECK_CHILD_POLL_SECONDS: seconds(2),
		// How long the flows wait out a busy Prefect database (HTTP 503, "database is locked") before a call fails.
		FLOWDECK_BUSY_RETRY_SECONDS: int(120, 0, 3600),
		// Run integrity (docs/operations.md): a run no one executes is shown stale after this long without a state change or log.
		FLOWDECK_STALE_AFTER_SECONDS: int(120, 5, 7 * 24 * 3600),
		// Release concurrency slots held by finished or vanished task runs automatically, checking every N seconds.
		FLOWDECK_RELEASE_LEAKED_SLOTS: z
			.enum(['true', 'false'])
			.default('false')
			.transform((value) => value === 'true'),
		FLOWDECK_SLOT_CHECK_SECONDS: int(30, 5, 3600),
		// Live updates (Server-Sent Events): poll interval while something runs / while runs only wait.
		FLOWDECK_LIVE_ACTIVE_MS: int(1000, 200, 60_000),
		FLOWDECK_LIVE_IDLE_MS: int(5000, 500, 300_000),
		// A watched run's task runs, log lines and artifacts are read this often (its runs' states: at the pace above).
		FLOWDECK_LIVE_DETAILS_MS: int(5000, 200, 300_000),
		// `per-stream` gives every stream its own poller: only the benchmark's baseline uses it.
		FLOWDECK_LIVE_POLLERS: z.enum(['shared', 'per-stream']).default('shared'),
		HOST: text('127.0.0.1'),
		PORT: int(3000, 1, 65_535),
		/** Public origin (scheme://host[:port]) browsers use; behind a proxy it fixes the CSRF origin and https cookies. */
		ORIGIN: httpUrl.optional().transform((url) => (url ? new URL(url).origin : undefined)),
		/**
		 * More host names this server answers to (Host header, port ignored), comma-separated, besides the loopback names
		 * and ORIGIN's host; `.example.com` also matches its subdomains, `*` any host (a DNS-rebinding guard).
		 */
		FLOWDECK_ALLOWED_HOSTS: z
			.string()
			.optional()
			.transform((list) =>
				list
					?.split(',')
					.map((host) => host.trim().toLowerCase())
					.filter(Boolean)
			)
			.pipe(z.array(z.string().regex(/^(\*|\.?[a-z0-9-]+(\.[a-z0-9-]+)*\.?|\[[0-9a-f:.]+\])$/, 'a comma-separated list of host names, .domain or *')).optional()),
		/** adapter-node's setting, read here too: behind a proxy that names the original host in it (without ORIGIN), that host is checked. */
		HOST_HEADER: z
			.string()
			.trim()
			.toLowerCase()
			.optional()
			.transform((value) => (value ? value : undefined)),

		// Workbench sign-in (docs/authentication.md).
		WORKBENCH_LOGIN_URL: httpUrl.optional(),
		WORKBENCH_LOGOUT_URL: httpUrl.optional(),
		WORKBENCH_USERNAME: optionalText,
		WORKBENCH_PASSWORD: z.string().optional(),
		WORKBENCH_USERNAME_FIELD: formField.default('username'),
		WORKBENCH_PASSWORD_FIELD: formField.default('password'),
		/** Name of a hidden anti-CSRF field on the workbench login form: its value is fetched before each sign-in. */
		WORKBENCH_CSRF_FIELD: formField.optional(),
		/** `memory` (this process; a restart signs everyone out) or a redis:// URL shared by every instance. */
		FLOWDECK_SESSION_STORE: z.union([z.literal('memory'), z.url({ protocol: /^rediss?$/, error: 'must be memory or a redis:// (rediss://) URL' })]).default('memory'),
		/** Encrypts upstream credentials at rest in a shared session store; the same on every instance. */
		FLOWDECK_SESSION_SECRET: z.string().min(32, 'must be at least 32 characters (e.g. openssl rand -base64 32)').optional(),
		FLOWDECK_SESSION_IDLE_MINUTES: int(30, 1, 24 * 60),
		FLOWDECK_SESSION_ABSOLUTE_HOURS: int(12, 1, 30 * 24),
		FLOWDECK_LOGIN_MAX_FAILURES: int(5, 1, 1000),
		FLOWDECK_LOGIN_WINDOW_MINUTES: int(15, 1, 24 * 60),
		/** auto: Secure + __Host- prefix when the request is https (served behind TLS or ORIGIN=https://…). */
		FLOWDECK_COOKIE_SECURE: z.enum(['auto', 'always', 'never']).default('auto')
	})
	.superRefine((cfg, ctx) => {
		const problem = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
		if (Boolean(cfg.WORKBENCH_USERNAME) !== Boolean(cfg.WORKBENCH_PASSWORD))
			problem('WORKBENCH_PASSWORD', 'set WORKBENCH_USERNAME and WORKBENCH_PASSWORD together (service account) or neither (per-user sign-in)');
		if (!cfg.WORKBENCH_LOGIN_URL) {
			if (cfg.WORKBENCH_USERNAME) problem('WORKBENCH_LOGIN_URL', 'required when WORKBENCH_USERNAME is set');
			if (cfg.WORKBENCH_LOGOUT_URL) problem('WORKBENCH_LOGIN_URL', 'required when WORKBENCH_LOGOUT_URL is set');
		}
		if (cfg.FLOWDECK_SESSION_STORE !== 'memory' && !cfg.FLOWDECK_SESSION_SECRET)
			problem('FLOWDECK_SESSION_SECRET', 'required with a Redis session store: upstream credentials are stored encrypted with it');
		if (cfg.WORKBENCH_USERNAME_FIELD === cfg.WORKBENCH_PASSWORD_FIELD) problem('WORKBENCH_PASSWORD_FIELD', 'must differ from WORKBENCH_USERNAME_FIELD');
	});

export type Config = z.infer<typeof ConfigSchema>;

export class ConfigError extends Error {
	override readonly name = 'ConfigError';
	readonly problems: string[];
	constructor(problems: string[]) {
		super(`Invalid configuration:\n${problems.map((line) => `  - ${line}`).join('\n')}`);
		this.problems = problems;
	}
}

/** Loads ./.env (if present) without overriding variables already set in the environment. */
export function loadDotEnv(path = resolve(process.cwd(), '.env')): void {
	if (existsSync(path)) process.loadEnvFile(path);
}

/** Validates `env`; throws ConfigError naming each bad variable. Values are never echoed (they may be secrets). */
export function parseConfig(env: Record<string, string | undefined>): Config {
	const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
	const result = ConfigSchema.safeParse(present);
	if (!result.success) {
		throw new ConfigError(result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
	}
	return result.data;
}

let cached: Config | undefined;

/** The process's configuration, parsed once. */
export function config(): Config {
	if (!cached) {
		loadDotEnv();
		cached = parseConfig(process.env);
	}
	return cached;
}
