/** Follows a fan-out run in the terminal: a progress bar of its tables until the whole tree is final. */
import type { PrefectClient } from '#lib/prefect/client.ts';
import { expectedFanOut, fanOutRuns, loadRunTree, progressOf, treeIsFinal, type RunTree } from '#lib/server/run-tree.ts';
import { progressBar } from './cli.ts';
import { sleep } from './processes.ts';

export async function followRun(prefect: PrefectClient, runId: string, options: { intervalMs?: number; print?: (line: string) => void } = {}): Promise<RunTree> {
	const tty = process.stdout.isTTY;
	const print = options.print ?? ((line: string) => (tty ? process.stdout.write(`\r\x1b[2K${line}`) : console.log(line)));
	let last = '';
	for (;;) {
		const tree = await loadRunTree(prefect, runId);
		const tables = progressOf(fanOutRuns(tree), expectedFanOut(tree));
		const line = `${progressBar(tables.done, tables.total)} ${tables.done}/${tables.total} tables done · ${tables.running} running · ${tables.failed} failed · ${tree.root.name}: ${tree.root.state_name ?? 'Pending'}`;
		if (line !== last) print(line);
		last = line;
		if (treeIsFinal(tree)) {
			if (tty && !options.print) process.stdout.write('\n');
			return tree;
		}
		await sleep(options.intervalMs ?? 1000);
	}
}
