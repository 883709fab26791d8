/**
 * npm test — every test: svelte-check, unit tests, then integration and browser tests against a real stack
 * (Prefect 2.13.7 on a free port with a throw-away PREFECT_HOME, real process workers, the built UI).
 * `npm test -- --only unit|integration|e2e` runs one part; file names after the options narrow it
 * (`npm test -- --only e2e tests/e2e/runs.spec.ts`).
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fail, main } from './lib/cli.ts';
import { freePort, run, start, waitFor } from './lib/processes.ts';
import { repoRoot } from './lib/python.ts';
import { startTestStack, type TestStack } from '../tests/helpers/start-stack.ts';
import { ensureSystemPackages } from './lib/system-packages.ts';

const resultsDir = join(repoRoot, 'test-results');
const counts = { passed: 0, failed: 0, skipped: 0 };

async function step(name: string, command: string, args: string[], env: Record<string, string> = {}): Promise<boolean> {
	console.log(`\n=== ${name} ===`);
	const child = start(command, args, { cwd: repoRoot, env });
	const code = await child.exited;
	console.log(`=== ${name}: ${code === 0 ? 'ok' : `FAILED (exit ${code})`} ===`);
	return code === 0;
}

function addVitestCounts(file: string): void {
	try {
		const report = JSON.parse(readFileSync(file, 'utf8')) as { numPassedTests: number; numFailedTests: number; numPendingTests: number; numTodoTests: number };
		counts.passed += report.numPassedTests;
		counts.failed += report.numFailedTests;
		counts.skipped += report.numPendingTests + report.numTodoTests;
	} catch {
		counts.failed += 1; // no report: the runner itself failed
	}
}

function addPlaywrightCounts(file: string): void {
	try {
		const report = JSON.parse(readFileSync(file, 'utf8')) as { stats: { expected: number; unexpected: number; flaky: number; skipped: number } };
		counts.passed += report.stats.expected + report.stats.flaky;
		counts.failed += report.stats.unexpected;
		counts.skipped += report.stats.skipped;
	} catch {
		counts.failed += 1;
	}
}

main(async () => {
	let parsed;
	try {
		parsed = parseArgs({ options: { only: { type: 'string' } }, allowPositionals: true, strict: true });
	} catch (error) {
		fail(error instanceof Error ? error.message : String(error), 2);
	}
	const only = parsed.values.only;
	const files = parsed.positionals;
	const wants = (part: string) => only === undefined || only === part;
	rmSync(resultsDir, { recursive: true, force: true });
	if (wants('integration') || wants('e2e')) await ensureSystemPackages();
	let ok = true;

	if (only === undefined) ok = (await step('svelte-check', 'npm', ['run', 'check', '--silent'])) && ok;
	if (wants('unit')) {
		const out = join(resultsDir, 'unit.json');
		ok = (await step('unit tests', 'npx', ['vitest', 'run', '--project', 'unit', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`, ...files])) && ok;
		addVitestCounts(out);
	}
	if (wants('integration') || wants('e2e')) {
		let stack: TestStack | undefined;
		let ui: ReturnType<typeof start> | undefined;
		try {
			// Integration tests (auth) and browser tests both serve the built app.
			ok = (await step('build', 'npx', ['vite', 'build', '--logLevel', 'warn'])) && ok;
			console.log('\n=== starting the test stack ===');
			stack = await startTestStack({ workers: 2, log: (line) => console.log(`[stack] ${line}`) });
			const env = { ...stack.env, FLOWDECK_TEST_API_URL: stack.apiUrl };
			if (wants('integration')) {
				const out = join(resultsDir, 'integration.json');
				ok = (await step('integration tests', 'npx', ['vitest', 'run', '--project', 'integration', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`, ...files], env)) && ok;
				addVitestCounts(out);
			}
			if (wants('e2e')) {
				const port = await freePort();
				const baseUrl = `http://127.0.0.1:${port}`;
				ui = start(process.execPath, ['scripts/serve.ts'], { cwd: repoRoot, env: { ...env, PORT: String(port) }, prefix: '[ui] ' });
				await waitFor('the UI server', async () => ((await fetch(`${baseUrl}/healthz`)).ok ? true : undefined), 30_000);
				const out = join(resultsDir, 'e2e.json');
				ok = (await step('browser tests', 'npx', ['playwright', 'test', ...files], { ...env, FLOWDECK_TEST_BASE_URL: baseUrl, PLAYWRIGHT_JSON_OUTPUT_NAME: out })) && ok;
				addPlaywrightCounts(out);
			}
		} catch (error) {
			console.error(`\u2717 the test stack failed: ${error instanceof Error ? error.message : String(error)}`);
			ok = false;
			counts.failed += 1;
		} finally {
			await ui?.stop();
			await stack?.stop();
		}
	}
	console.log(`\nflowdeck: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
	return ok && counts.failed === 0 ? 0 : 1;
});
