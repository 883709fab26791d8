/**
 * npm test — every test: svelte-check, the formatting check, unit and command-line tests, the flows' pytest and the audit of their lock,
 * then integration and browser tests against a real stack (Prefect 2.13.7 on a free port with a throw-away
 * PREFECT_HOME, real process workers, the built UI), then the Prefect 3.x part: the same on a 3.x stack, with the
 * integration tests that apply (2.x-only ones are skipped with their reason) and a browser smoke
 * (tests/e2e/prefect3-smoke.spec.ts). `--only PART` runs one part; file names after the options narrow it
 * (`npm test -- --only e2e tests/e2e/runs.spec.ts`; for prefect3, integration and e2e files alike).
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { main, parseCli, usageError, type CliSpec } from './lib/cli.ts';
import { freePort, start, waitFor } from './lib/processes.ts';
import { auditLock } from './lib/python-audit.ts';
import { ensurePythonEnv, PREFECT_MAJORS, pythonEnvs, repoRoot, type PrefectMajor, type PythonEnv } from './lib/python.ts';
import { ensureSystemPackages } from './lib/system-packages.ts';
import { startTestStack, type TestStack } from '../tests/helpers/start-stack.ts';

const PARTS = ['unit', 'cli', 'python', 'integration', 'e2e', 'prefect3'] as const;
type Part = (typeof PARTS)[number];

const options = {
	only: {
		type: 'string',
		value: 'PART',
		description: `run one part: ${PARTS.join(', ')} (default: all, svelte-check first; prefect3 = integration tests and the browser smoke on a Prefect 3.x stack)`
	}
} as const;

const spec = {
	command: 'npm test',
	summary:
		'Run every test: svelte-check and the formatting check, unit, command-line, pytest and the Python lock audits, then integration and browser tests on a real Prefect 2.13.7 stack, then on a Prefect 3.x stack; the last line counts them all.',
	notes: ['Exit 0 only when nothing failed: a suite that does not load or a part whose runner fails counts as failed.'],
	options,
	positionals: { name: 'FILE', description: 'test files to narrow the part given with --only' },
	otherEnv: {
		FLOWDECK_DOCS_SHOTS: '1: browser tests write their screenshots to docs/images/ (npm run docs:shots) instead of test-results/',
		FLOWDECK_TEST_SLOWDOWN: 'how many times slower than an idle machine the waits of the tests allow for (default 8)',
		CHROMIUM_PATH: 'the Chromium the browser tests use (default /usr/bin/chromium)'
	},
	examples: ['npm test -- --only e2e tests/e2e/runs.spec.ts', 'npm test -- --only prefect3 tests/integration/distributed-etl.test.ts tests/e2e/prefect3-smoke.spec.ts']
} satisfies CliSpec<typeof options>;

const resultsDir = join(repoRoot, 'test-results');
const counts = { passed: 0, failed: 0, skipped: 0 };
/** What failed, by name, repeated above the last line: CI shows only the end of a long run. */
const failedTests: string[] = [];

/** One failure outside any test report, printed where it happens and again at the end. */
function failedOutside(what: string): void {
	console.error(`\u2717 ${what}`);
	counts.failed += 1;
	failedTests.push(what);
}

async function step(name: string, command: string, args: string[], env: Record<string, string> = {}): Promise<boolean> {
	console.log(`\n=== ${name} ===`);
	const child = start(command, args, { cwd: repoRoot, env });
	const code = await child.exited;
	console.log(`=== ${name}: ${code === 0 ? 'ok' : `FAILED (exit ${code})`} ===`);
	return code === 0;
}

/** Runs a part and adds its report's counts; a failing runner whose report shows no failure still counts one. */
async function part(name: string, command: string, args: string[], env: Record<string, string>, count: () => void, report?: string): Promise<boolean> {
	const failedBefore = counts.failed;
	if (report) rmSync(report, { force: true }); // a report left from an earlier run must not be counted
	const ok = await step(name, command, args, env);
	try {
		count();
	} catch {
		// no readable report: the runner itself failed
	}
	if (!ok && counts.failed === failedBefore) {
		counts.failed += 1;
		failedTests.push(`${name}: the runner failed (exit code not 0) with no failed test in its report`);
	}
	return ok;
}

type VitestReport = {
	numPassedTests: number;
	numFailedTests: number;
	numPendingTests: number;
	numTodoTests: number;
	testResults: Array<{ status: string; name: string; message?: string; assertionResults: Array<{ status: string; fullName: string }> }>;
};

function addVitestCounts(report: VitestReport): void {
	counts.passed += report.numPassedTests;
	counts.skipped += report.numPendingTests + report.numTodoTests;
	// A file that fails to load (or whose hooks fail) has no failed test of its own: it counts as one failure.
	const brokenFiles = report.testResults.filter((file) => file.status === 'failed' && !file.assertionResults.some((test) => test.status === 'failed'));
	counts.failed += report.numFailedTests + brokenFiles.length;
	for (const file of report.testResults) {
		const path = relative(repoRoot, file.name);
		for (const test of file.assertionResults) if (test.status === 'failed') failedTests.push(`${path} › ${test.fullName}`);
		if (brokenFiles.includes(file)) failedTests.push(`${path}: did not load (${file.message?.split('\n')[0] ?? 'no message'})`);
	}
}

type PlaywrightSuite = { title: string; file?: string; specs?: Array<{ title: string; file: string; line: number; tests: Array<{ status: string }> }>; suites?: PlaywrightSuite[] };
type PlaywrightReport = { stats: { expected: number; unexpected: number; flaky: number; skipped: number }; errors?: Array<{ message?: string }>; suites: PlaywrightSuite[] };

function addPlaywrightCounts(report: PlaywrightReport): void {
	counts.passed += report.stats.expected + report.stats.flaky;
	counts.failed += report.stats.unexpected + (report.errors?.length ?? 0);
	counts.skipped += report.stats.skipped;
	const visit = (suite: PlaywrightSuite): void => {
		for (const spec of suite.specs ?? []) if (spec.tests.some((test) => test.status === 'unexpected')) failedTests.push(`tests/e2e/${spec.file}:${spec.line} › ${spec.title}`);
		suite.suites?.forEach(visit);
	};
	report.suites.forEach(visit);
	for (const error of report.errors ?? []) failedTests.push(`browser tests: ${error.message?.split('\n')[0] ?? 'an error outside any test'}`);
}

function addJunitCounts(xml: string, label: string): void {
	const suite = /<testsuite\b[^>]*>/.exec(xml)?.[0] ?? '';
	const attr = (name: string) => Number(new RegExp(`\\b${name}="(\\d+)"`).exec(suite)?.[1] ?? NaN);
	const [tests, failures, errors, skipped] = [attr('tests'), attr('failures'), attr('errors'), attr('skipped')];
	if ([tests, failures, errors, skipped].some(Number.isNaN)) throw new Error('no pytest report');
	counts.passed += tests - failures - errors - skipped;
	counts.failed += failures + errors;
	counts.skipped += skipped;
	for (const [, attributes = '', body = ''] of xml.matchAll(/<testcase\b([^>]*?)(?:\/>|>([\s\S]*?)<\/testcase>)/g))
		if (/<(failure|error)\b/.test(body)) {
			const [file, name] = ['classname', 'name'].map((key) => new RegExp(`\\b${key}="([^"]*)"`).exec(attributes)?.[1] ?? '?');
			failedTests.push(`${label} ${file} › ${name}`);
		}
}

const readJson = <T>(file: string) => JSON.parse(readFileSync(file, 'utf8')) as T;

async function vitest(project: 'unit' | 'cli' | 'integration', files: string[], env: Record<string, string> = {}, label = ''): Promise<boolean> {
	const out = join(resultsDir, `${project}${label ? `-${label}` : ''}.json`);
	return part(
		`${project} tests${label ? ` (${label})` : ''}`,
		'npx',
		['vitest', 'run', '--project', project, '--reporter=default', '--reporter=json', `--outputFile.json=${out}`, ...files],
		env,
		() => addVitestCounts(readJson<VitestReport>(out)),
		out
	);
}

/** A flows' environment made before a part that runs Python: on a fresh clone, once, not by racing tests. */
async function pythonEnvFor(name: string, major: PrefectMajor = 2): Promise<PythonEnv | undefined> {
	try {
		return await ensurePythonEnv(major);
	} catch (error) {
		failedOutside(`${name}: ${error instanceof Error ? error.message : String(error)}`);
		return undefined;
	}
}

/** The flows' pytest in one Python environment (the same tests run under Prefect 2.13.7 and 3.x). */
async function pytest(files: string[], major: PrefectMajor): Promise<boolean> {
	const failedBefore = counts.failed;
	const env = await pythonEnvFor(`pytest (Prefect ${major})`, major);
	if (!env) return false;
	const out = join(resultsDir, major === 2 ? 'python.xml' : `python-prefect${major}.xml`);
	const args = ['-m', 'pytest', '-q', '-p', 'no:cacheprovider', `--junitxml=${out}`, ...(files.length ? files : ['tests/python'])];
	const ok = await part(`pytest (flows/etl, Prefect ${env.prefectVersion})`, env.python, args, {}, () => addJunitCounts(readFileSync(out, 'utf8'), `pytest (Prefect ${env.prefectVersion})`), out);
	return ok && counts.failed === failedBefore;
}

/** Known vulnerabilities in one flows lock; skipped with one line when PyPI's per-release data is not reachable. */
async function audit(env: PythonEnv): Promise<boolean> {
	const lock = relative(repoRoot, env.lockPath);
	console.log(`\n=== Python dependency audit (${lock}, Prefect ${env.prefectVersion}, PyPI advisories) ===`);
	const result = await auditLock({ env }).catch((error: unknown) => ({ kind: 'failed' as const, reason: error instanceof Error ? error.message : String(error) }));
	if (result.kind === 'skipped') {
		console.log(`- audit of ${lock} skipped: PyPI's vulnerability data is not reachable from here (${result.reason})`);
		counts.skipped += 1;
		return true;
	}
	if (result.kind === 'failed') {
		failedOutside(`audit of ${lock} failed part-way: ${result.reason}`);
		return false;
	}
	for (const finding of result.findings) {
		const line = `${finding.name} ${finding.version}: ${finding.ids.join(', ')}${finding.fixedIn.length ? ` (fixed in ${finding.fixedIn.join(', ')})` : ''}`;
		console.log(finding.accepted ? `! accepted ${line} — ${finding.accepted}` : `\u2717 ${line}`);
		if (!finding.accepted) failedTests.push(`audit of ${lock}: ${line}`);
	}
	const open = result.findings.filter((finding) => !finding.accepted).length;
	console.log(`=== audit of ${lock}: ${result.audited} packages, ${result.findings.length} with advisories, ${open} not accepted ===`);
	if (open) counts.failed += open;
	else counts.passed += 1;
	return open === 0;
}

const PREFECT3_SMOKE = 'tests/e2e/prefect3-smoke.spec.ts';
let built: Promise<boolean> | undefined;

/**
 * Integration tests (files, or all when empty; none when undefined) and browser tests on a throw-away stack of one
 * Prefect version. Integration tests (auth) and browser tests both serve the built app, built once for both stacks.
 */
async function stackParts(major: PrefectMajor, integrationFiles: string[] | undefined, e2eFiles: string[] | undefined): Promise<boolean> {
	const label = major === 2 ? '' : `prefect${major}`;
	let ok = await (built ??= part('build', 'npx', ['vite', 'build', '--logLevel', 'warn'], {}, () => {}));
	let stack: TestStack | undefined;
	let ui: ReturnType<typeof start> | undefined;
	try {
		console.log(`\n=== starting the test stack (Prefect ${pythonEnvs[major].prefectVersion}) ===`);
		stack = await startTestStack({ workers: 2, prefect: major, log: (line) => console.log(`[stack${major === 2 ? '' : ` ${label}`}] ${line}`) });
		const env = { ...stack.env, FLOWDECK_TEST_API_URL: stack.apiUrl };
		if (integrationFiles) ok = (await vitest('integration', integrationFiles, env, label)) && ok;
		if (e2eFiles) {
			const port = await freePort();
			const baseUrl = `http://127.0.0.1:${port}`;
			ui = start(process.execPath, ['scripts/serve.ts'], { cwd: repoRoot, env: { ...env, PORT: String(port) }, prefix: '[ui] ' });
			await waitFor('the UI server', async () => ((await fetch(`${baseUrl}/healthz`)).ok ? true : undefined), 60_000);
			const out = join(resultsDir, `e2e${label ? `-${label}` : ''}.json`);
			ok =
				(await part(
					`browser tests${label ? ` (${label})` : ''}`,
					'npx',
					['playwright', 'test', ...e2eFiles],
					{ ...env, FLOWDECK_TEST_BASE_URL: baseUrl, PLAYWRIGHT_JSON_OUTPUT_NAME: out },
					() => addPlaywrightCounts(readJson(out)),
					out
				)) && ok;
		}
	} catch (error) {
		failedOutside(`the test stack (Prefect ${pythonEnvs[major].prefectVersion}) failed: ${error instanceof Error ? error.message : String(error)}`);
		ok = false;
	} finally {
		await ui?.stop();
		await stack?.stop();
	}
	return ok;
}

main(async () => {
	const { values, positionals: files } = parseCli(spec);
	const only = values.only as Part | undefined;
	if (only !== undefined && !PARTS.includes(only)) usageError(spec, `unknown --only value ${only}; valid values: ${PARTS.join(', ')}`);
	if (files.length && only === undefined) usageError(spec, `test files need --only PART (one of ${PARTS.join(', ')})`);
	const missing = files.filter((file) => !existsSync(join(repoRoot, file)));
	if (missing.length) usageError(spec, `no such test file: ${missing.join(', ')}`);
	const elsewhere = only === 'prefect3' ? files.filter((file) => !/^tests\/(integration|e2e)\//.test(file)) : [];
	if (elsewhere.length) usageError(spec, `--only prefect3 runs integration and browser tests only: ${elsewhere.join(', ')}`);
	const wants = (name: Part) => only === undefined || only === name;
	mkdirSync(resultsDir, { recursive: true });
	if (wants('integration') || wants('e2e') || wants('prefect3')) await ensureSystemPackages();
	let ok = true;

	if (only === undefined) {
		ok = (await part('svelte-check', 'npm', ['run', 'check', '--silent'], {}, () => {})) && ok;
		// Formatting as a habit: every diff is only its change (npm run format fixes what this finds).
		ok = (await part('formatting (prettier --check)', 'npm', ['run', 'format:check', '--silent'], {}, () => {})) && ok;
	}
	if (wants('unit')) ok = (await vitest('unit', files)) && ok;
	// CLI tests run deploy.py and main_etl.py.
	if (wants('cli')) ok = Boolean(await pythonEnvFor('cli tests')) && (await vitest('cli', files)) && ok;
	if (wants('python')) {
		for (const major of PREFECT_MAJORS) ok = (await pytest(files, major)) && ok;
		if (!files.length) for (const major of PREFECT_MAJORS) ok = (await audit(pythonEnvs[major])) && ok;
	}
	if (wants('integration') || wants('e2e')) {
		const pick = (name: Part) => (wants(name) ? files : undefined);
		ok = (await stackParts(2, pick('integration'), pick('e2e'))) && ok;
	}
	if (wants('prefect3')) {
		// After the whole 2.13.7 suite: on Prefect 3.x, the integration tests that apply and the browser smoke.
		const [integration, e2e] = [files.filter((file) => file.startsWith('tests/integration/')), files.filter((file) => file.startsWith('tests/e2e/'))];
		ok = (await stackParts(3, files.length && !integration.length ? undefined : integration, files.length ? (e2e.length ? e2e : undefined) : [PREFECT3_SMOKE])) && ok;
	}
	if (failedTests.length) console.log(`\nfailed:\n${failedTests.map((name) => `  \u2717 ${name}`).join('\n')}`);
	console.log(`\nflowdeck: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
	return ok && counts.failed === 0 ? 0 : 1;
});
