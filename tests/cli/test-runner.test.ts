/** npm test's closing line never says "0 failed" while something failed, and the lines above it name what failed. */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { repoRoot } from '../../scripts/lib/python.ts';
import { runScript } from './run-script.ts';

const broken = `tests/unit/zz-broken-${process.pid}.test.ts`;
const failing = `tests/unit/zz-failing-${process.pid}.test.ts`;
afterAll(() => [broken, failing].forEach((file) => rmSync(join(repoRoot, file), { force: true })));

test('a unit test file that fails to load counts as failed in the summary line, and every failure is named above it (exit 1)', { timeout: 180_000 }, async () => {
	writeFileSync(join(repoRoot, broken), "import { test } from 'vitest';\nimport './no-such-module.ts';\ntest('never runs', () => {});\n");
	writeFileSync(join(repoRoot, failing), "import { expect, test } from 'vitest';\ntest('fails on purpose', () => expect(1).toBe(2));\n");
	const { code, stdout } = await runScript('scripts/test-all.ts', ['--only', 'unit', broken, failing]);
	const named = stdout
		.slice(stdout.lastIndexOf('\nfailed:\n'))
		.split('\n')
		.filter((line) => line.startsWith('  \u2717 '));
	expect(named).toHaveLength(2);
	expect(named).toEqual(expect.arrayContaining([expect.stringMatching(new RegExp(`^  \u2717 ${broken}: did not load \\(`)), `  \u2717 ${failing} › fails on purpose`]));
	expect(stdout).toMatch(/\nflowdeck: 0 passed, 2 failed, 0 skipped\n$/);
	expect(code).toBe(1);
});

test('a test file that does not exist is refused before anything runs (exit 2)', async () => {
	const { code, stderr } = await runScript('scripts/test-all.ts', ['--only', 'unit', 'tests/unit/nope.test.ts']);
	expect(code).toBe(2);
	expect(stderr).toContain('no such test file: tests/unit/nope.test.ts');
});
