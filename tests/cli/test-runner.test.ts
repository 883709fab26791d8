/** npm test's closing line never says "0 failed" while something failed. */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { repoRoot } from '../../scripts/lib/python.ts';
import { runScript } from './run-script.ts';

const broken = `tests/unit/zz-broken-${process.pid}.test.ts`;
afterAll(() => rmSync(join(repoRoot, broken), { force: true }));

test('a unit test file that fails to load counts as failed in the summary line (exit 1)', { timeout: 180_000 }, async () => {
	writeFileSync(join(repoRoot, broken), "import { test } from 'vitest';\nimport './no-such-module.ts';\ntest('never runs', () => {});\n");
	const { code, stdout } = await runScript('scripts/test-all.ts', ['--only', 'unit', broken]);
	expect(stdout).toMatch(/\nflowdeck: 0 passed, 1 failed, 0 skipped\n$/);
	expect(code).toBe(1);
});

test('a test file that does not exist is refused before anything runs (exit 2)', async () => {
	const { code, stderr } = await runScript('scripts/test-all.ts', ['--only', 'unit', 'tests/unit/nope.test.ts']);
	expect(code).toBe(2);
	expect(stderr).toContain('no such test file: tests/unit/nope.test.ts');
});
