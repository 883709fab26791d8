import { describe, expect, it } from 'vitest';
import { authModeOf, authSummary, describeAuthMode } from '#lib/auth/mode.ts';
import { ConfigError, parseConfig } from '#lib/server/config.ts';
import { majorOfVersion, prefectDatabase, prefectHome, prefectMajor, prefectProcessEnv } from '../../scripts/lib/prefect-env.ts';

describe('parseConfig', () => {
	it('gives the embedded defaults for an empty environment', () => {
		const cfg = parseConfig({});
		expect(cfg.PREFECT_API_URL).toBe('http://127.0.0.1:4200/api');
		expect(cfg.PREFECT_WORK_POOL).toBe('default-pool');
		expect(cfg.PREFECT_CONCURRENCY_TAG).toBe('database');
		expect(cfg.PREFECT_CONCURRENCY_LIMIT).toBe(3);
		expect(cfg.PORT).toBe(3000);
	});

	it('strips trailing slashes from the API URL and treats empty values as unset', () => {
		const cfg = parseConfig({ PREFECT_API_URL: 'http://prefect.example:4200/api/', PREFECT_API_KEY: '' });
		expect(cfg.PREFECT_API_URL).toBe('http://prefect.example:4200/api');
		expect(cfg.PREFECT_API_KEY).toBeUndefined();
	});

	it('names every bad variable without echoing its value', () => {
		let error: unknown;
		try {
			parseConfig({ PREFECT_API_URL: 'ftp://secret-host', PORT: 'abc', PREFECT_CONCURRENCY_LIMIT: '-1' });
		} catch (caught) {
			error = caught;
		}
		expect(error).toBeInstanceOf(ConfigError);
		const problems = (error as ConfigError).problems.join('\n');
		expect(problems).toMatch(/PREFECT_API_URL/);
		expect(problems).toMatch(/PORT/);
		expect(problems).toMatch(/PREFECT_CONCURRENCY_LIMIT/);
		expect(problems).not.toMatch(/secret-host/);
	});

	it('refuses a Redis session store without a secret of 32+ characters, never echoing the URL or the secret', () => {
		const problemsOf = (env: Record<string, string>) => {
			try {
				parseConfig(env);
				return '';
			} catch (error) {
				return (error as ConfigError).problems.join('\n');
			}
		};
		expect(problemsOf({ FLOWDECK_SESSION_STORE: 'redis://:hunter2@127.0.0.1:6379/0' })).toMatch(/FLOWDECK_SESSION_SECRET: required/);
		const short = problemsOf({ FLOWDECK_SESSION_STORE: 'redis://127.0.0.1:6379/0', FLOWDECK_SESSION_SECRET: 'too-short-secret' });
		expect(short).toMatch(/FLOWDECK_SESSION_SECRET/);
		expect(short).not.toMatch(/too-short-secret/);
		expect(problemsOf({ FLOWDECK_SESSION_STORE: 'http://127.0.0.1:6379' })).toMatch(/FLOWDECK_SESSION_STORE/);
		expect(parseConfig({ FLOWDECK_SESSION_STORE: 'redis://127.0.0.1:6379/0', FLOWDECK_SESSION_SECRET: 'x'.repeat(32) }).FLOWDECK_SESSION_STORE).toBe('redis://127.0.0.1:6379/0');
		expect(parseConfig({}).FLOWDECK_SESSION_STORE).toBe('memory');
	});

	it('takes sqlite, postgres or a postgresql+asyncpg URL as the local server database', () => {
		expect(prefectDatabase(parseConfig({}))).toEqual({ kind: 'sqlite' });
		expect(prefectDatabase(parseConfig({ FLOWDECK_PREFECT_DATABASE: 'postgres', FLOWDECK_POSTGRES_PORT: '5544' }))).toMatchObject({ kind: 'local-postgres', port: 5544 });
		const url = 'postgresql+asyncpg://prefect:pw@db.internal:5432/prefect';
		expect(prefectDatabase(parseConfig({ FLOWDECK_PREFECT_DATABASE: url }))).toEqual({ kind: 'url', url });
		expect(() => parseConfig({ FLOWDECK_PREFECT_DATABASE: 'mysql://x' })).toThrow(/FLOWDECK_PREFECT_DATABASE/);
	});

	it('starts Prefect 2.13.7 by default, 3.x with FLOWDECK_PREFECT_VERSION=3, whose data never mixes with 2.x data', () => {
		const two = parseConfig({ FLOWDECK_PREFECT_DATABASE: 'postgres' });
		const three = parseConfig({ FLOWDECK_PREFECT_VERSION: '3', FLOWDECK_PREFECT_DATABASE: 'postgres' });
		expect([prefectMajor(two), prefectMajor(three)]).toEqual([2, 3]);
		expect(prefectHome(three)).toBe(`${prefectHome(two)}-3`);
		const [dir2, dir3] = [prefectDatabase(two), prefectDatabase(three)].map((database) => (database.kind === 'local-postgres' ? database.dataDir : ''));
		expect(dir3).toBe(`${dir2}-3`);
		expect(() => parseConfig({ FLOWDECK_PREFECT_VERSION: '4' })).toThrow(/FLOWDECK_PREFECT_VERSION/);
	});

	it('reads the major version of a Prefect release the tooling can run', () => {
		expect(['2.13.7', '3.9.1', '3.0.0rc1', '1.4.0', '4.0.0', 'nonsense'].map(majorOfVersion)).toEqual([2, 3, 3, undefined, undefined, undefined]);
	});

	it('passes the short worker and slot-wait intervals to Prefect processes', () => {
		const env = prefectProcessEnv(parseConfig({ PREFECT_API_KEY: 'pnu_x' }));
		expect(env.PREFECT_WORKER_QUERY_SECONDS).toBe('2');
		expect(env.PREFECT_TASK_RUN_TAG_CONCURRENCY_SLOT_WAIT_SECONDS).toBe('1');
		expect(env.PREFECT_API_KEY).toBe('pnu_x');
	});
});

describe('auth configuration', () => {
	const login = { WORKBENCH_LOGIN_URL: 'https://wb.example/login' };

	it('chooses the mode: none, API key, workbench per user or service account, each combinable with a key', () => {
		const mode = (env: Record<string, string>) => describeAuthMode(authModeOf(parseConfig(env)));
		expect(mode({})).toBe('none');
		expect(mode({ PREFECT_API_KEY: 'k' })).toBe('API key');
		expect(mode(login)).toBe('workbench sign-in (per user)');
		expect(mode({ ...login, PREFECT_API_KEY: 'k' })).toBe('workbench sign-in (per user) + API key');
		expect(mode({ ...login, WORKBENCH_USERNAME: 'svc', WORKBENCH_PASSWORD: 'pw' })).toBe('workbench service account');
		expect(authSummary(authModeOf(parseConfig({ ...login, WORKBENCH_USERNAME: 'svc', WORKBENCH_PASSWORD: 'pw', PREFECT_API_KEY: 'k' })))).toEqual({
			mode: 'workbench',
			account: 'service',
			apiKey: true,
			description: 'workbench service account + API key'
		});
	});

	it('has the documented defaults', () => {
		const cfg = parseConfig(login);
		expect([cfg.WORKBENCH_USERNAME_FIELD, cfg.WORKBENCH_PASSWORD_FIELD]).toEqual(['username', 'password']);
		expect([cfg.FLOWDECK_SESSION_IDLE_MINUTES, cfg.FLOWDECK_SESSION_ABSOLUTE_HOURS]).toEqual([30, 12]);
		expect([cfg.FLOWDECK_LOGIN_MAX_FAILURES, cfg.FLOWDECK_LOGIN_WINDOW_MINUTES]).toEqual([5, 15]);
		expect(cfg.FLOWDECK_COOKIE_SECURE).toBe('auto');
		expect(parseConfig({ ORIGIN: 'https://flowdeck.example.com/some/path' }).ORIGIN).toBe('https://flowdeck.example.com');
	});

	it('refuses half a service account, a service account without a login URL, and clashing field names', () => {
		const problems = (env: Record<string, string>) => {
			try {
				parseConfig(env);
				return '';
			} catch (error) {
				return (error as ConfigError).problems.join('\n');
			}
		};
		expect(problems({ ...login, WORKBENCH_USERNAME: 'svc' })).toMatch(/WORKBENCH_PASSWORD: set WORKBENCH_USERNAME and WORKBENCH_PASSWORD together/);
		expect(problems({ WORKBENCH_USERNAME: 'svc', WORKBENCH_PASSWORD: 'top-secret' })).toMatch(/WORKBENCH_LOGIN_URL: required/);
		expect(problems({ WORKBENCH_USERNAME: 'svc', WORKBENCH_PASSWORD: 'top-secret' })).not.toMatch(/top-secret/);
		expect(problems({ ...login, WORKBENCH_USERNAME_FIELD: 'user', WORKBENCH_PASSWORD_FIELD: 'user' })).toMatch(/WORKBENCH_PASSWORD_FIELD/);
		expect(problems({ ...login, WORKBENCH_USERNAME_FIELD: 'a b' })).toMatch(/WORKBENCH_USERNAME_FIELD: must be a form field name/);
		expect(problems({ FLOWDECK_COOKIE_SECURE: 'yes' })).toMatch(/FLOWDECK_COOKIE_SECURE/);
	});
});
