import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, prefectProcessEnv } from '#lib/server/config.ts';

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

	it('passes the short worker and slot-wait intervals to Prefect processes', () => {
		const env = prefectProcessEnv(parseConfig({ PREFECT_API_KEY: 'pnu_x' }));
		expect(env.PREFECT_WORKER_QUERY_SECONDS).toBe('2');
		expect(env.PREFECT_TASK_RUN_TAG_CONCURRENCY_SLOT_WAIT_SECONDS).toBe('1');
		expect(env.PREFECT_API_KEY).toBe('pnu_x');
	});
});
