import { expect, test } from 'vitest';
import { progressOf } from '#lib/runs/tree.ts';
import { describeProgress } from '../../scripts/lib/follow.ts';
import { plural } from '../../scripts/lib/cli.ts';

test('the run:distributed progress line never counts a cancelled or crashed table as a success', () => {
	const line = describeProgress(progressOf(['COMPLETED', 'CANCELLED', 'CRASHED', 'FAILED', 'RUNNING', null], 6));
	expect(line).toBe('[################--------] 4 of 6 tables done · 1 running · 1 completed, 1 failed, 1 crashed, 1 cancelled');
	expect(describeProgress(progressOf(['COMPLETED', 'COMPLETED'], 2))).toBe('[########################] 2 of 2 tables done · 0 running · 2 completed');
});

test('counts read as English', () => {
	expect(plural(1, 'worker')).toBe('1 worker');
	expect(plural(3, 'worker')).toBe('3 workers');
});
