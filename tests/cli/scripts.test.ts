/** Every npm script as a process: --help, unknown options, bad values, and the real cause when Prefect is down. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { freePort } from '../../scripts/lib/processes.ts';
import { repoRoot } from '../../scripts/lib/python.ts';
import { runScript, SCRIPTS } from './run-script.ts';

const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');

describe.each(Object.entries(SCRIPTS))('npm run %s', (name, file) => {
	test('--help prints usage, options, environment and an example, exit 0, and the README lists its summary', async () => {
		const { code, stdout, stderr } = await runScript(file, ['--help']);
		expect(stderr).toBe('');
		expect(code).toBe(0);
		expect(stdout).toMatch(/^Usage: npm (run )?\S+/);
		expect(stdout).toContain('-h, --help');
		expect(stdout).toMatch(/\nExamples?:\n {2}.*npm /);
		const summary = stdout.split('\n\n')[1]!;
		expect(readme).toContain(`| \`npm ${name === 'start' || name === 'test' ? name : `run ${name}`}\` | ${summary} |`);
	});

	test('-h is --help; an unknown option is refused (exit 2) listing the valid ones, even with --help', async () => {
		expect((await runScript(file, ['-h'])).code).toBe(0);
		const { code, stdout, stderr } = await runScript(file, ['--help', '--bogus']);
		expect(code).toBe(2);
		expect(stdout).toBe('');
		expect(stderr).toMatch(/^✗ unknown option --bogus; valid options: .*-h\/--help\n {2}\(npm .* -- --help shows the usage\)\n$/);
	});
});

test('bad values are refused with the reason (exit 2) before anything starts', async () => {
	const cases: Array<[string, string[], RegExp]> = [
		['scripts/run-distributed.ts', ['--tables', '0'], /--tables must be a whole number from 1 to 1000/],
		['scripts/run-distributed.ts', ['--timeout', 'soon'], /--timeout must be a number of seconds > 0/],
		['scripts/run-flow.ts', ['--tables', '3', '--fail', '4'], /--fail takes table numbers from 1 to 3/],
		['scripts/run-flow.ts', ['--seconds'], /--seconds needs a value/],
		['scripts/workers.ts', ['-n', '0'], /-n must be a whole number from 1 to 64/],
		['scripts/demo.ts', ['extra'], /unexpected argument extra/],
		['bench/run.ts', [], /name one benchmark: sse, live, load, pages, etl/],
		['scripts/test-all.ts', ['--only', 'foo'], /unknown --only value foo; valid values: unit, cli, python, integration, e2e/],
		['scripts/test-all.ts', ['tests/unit/sse.test.ts'], /test files need --only PART/]
	];
	for (const [file, args, message] of cases) {
		const { code, stderr, stdout } = await runScript(file, args);
		expect({ file, args, code }).toEqual({ file, args, code: 2 });
		expect(stderr).toMatch(message);
		expect(stderr.trim().split('\n')).toHaveLength(2); // the reason and where the usage is, once
		expect(stdout).toBe('');
	}
});

test('with Prefect down, every script that needs it says Prefect is unreachable at the URL, once (exit 1)', async () => {
	const apiUrl = `http://127.0.0.1:${await freePort()}/api`; // nothing listens there
	const scripts: Array<[string, string[]]> = [
		['scripts/run-distributed.ts', ['--tables', '2']],
		['scripts/workers.ts', ['-n', '1']],
		['scripts/deploy.ts', []],
		['scripts/prefect-setup.ts', []],
		['scripts/run-flow.ts', ['--tables', '1']]
	];
	await Promise.all(
		scripts.map(async ([file, args]) => {
			const { code, stderr, stdout } = await runScript(file, args, { PREFECT_API_URL: apiUrl });
			expect({ file, code }).toEqual({ file, code: 1 });
			expect(stderr).toBe(`✗ Prefect is unreachable at ${apiUrl} (ECONNREFUSED): is it running? Start a local one with npm run prefect:server, or set PREFECT_API_URL\n`);
			expect(stdout).not.toMatch(/not found|uv|Starting/);
		})
	);
});

test('a bad setting is named (exit 2) and its value is not echoed', async () => {
	const { code, stderr } = await runScript('scripts/workers.ts', [], { PREFECT_API_URL: 'ftp://secret-host/api' });
	expect(code).toBe(2);
	expect(stderr).toContain('PREFECT_API_URL: must be an http(s) URL');
	expect(stderr).not.toContain('secret-host');
});
