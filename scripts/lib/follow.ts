/**
 * Follows a run in the terminal with the same feed the UI's live stream uses (RunFeed): a progress bar of the
 * fan-out redrawn on `run`/`children` events, and error log lines as they arrive, until the tree is final.
 */
import type { PrefectClient } from '#lib/prefect/client.ts';
import type { LogView } from '#lib/prefect/models.ts';
import { RunFeed, type RunSnapshot } from '#lib/server/live/run-feed.ts';
import { progressBar } from './cli.ts';
import { sleep } from './processes.ts';

export async function followRun(prefect: PrefectClient, runId: string): Promise<RunSnapshot> {
	const tty = process.stdout.isTTY;
	const status = (line: string) => (tty ? process.stdout.write(`\r\x1b[2K${line}`) : console.log(line));
	const note = (line: string) => (tty ? process.stdout.write(`\r\x1b[2K${line}\n`) : console.log(line));
	const feed = new RunFeed(runId, 30); // log lines from WARNING up
	for (let first = true; ; first = false) {
		const tick = await feed.tick(prefect);
		const snapshot = feed.snapshot()!;
		const names = new Map([[snapshot.run.id, snapshot.run.name], ...snapshot.rows.map((row) => [row.run.id, row.run.name] as const)]);
		for (const change of tick.events) {
			if (change.event !== 'logs' || first) continue;
			for (const line of (change.data as { lines: LogView[] }).lines) {
				note(`  ${line.level} ${names.get(line.flowRunId ?? '') ?? ''}: ${line.message.split('\n')[0]}`);
			}
		}
		if (first || tick.events.some((change) => change.event === 'run' || change.event === 'children')) status(describe(snapshot));
		if (tick.activity === 'final') {
			if (tty) process.stdout.write('\n');
			return snapshot;
		}
		await sleep(tick.activity === 'active' ? 1000 : 3000);
	}
}

function describe({ run, tree }: RunSnapshot): string {
	const { progress } = tree;
	const fanOut = progress.total
		? `${progressBar(progress.done, progress.total)} ${progress.done} of ${progress.total} tables done · ${progress.running} running · ${progress.failed + progress.crashed} failed`
		: 'waiting for the fan-out…';
	return `${fanOut} · ${run.name}: ${run.state.name}`;
}
