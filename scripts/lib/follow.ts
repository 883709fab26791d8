/**
 * Follows a run in the terminal with the same feed the UI's live stream uses (RunFeed): a progress bar of the
 * fan-out redrawn on `run`/`children` events, and error log lines as they arrive, until the tree is final.
 */
import type { PrefectClient } from '#lib/prefect/client.ts';
import type { Progress } from '#lib/runs/tree.ts';
import type { RunSnapshot } from '#lib/live-events.ts';
import { RunFeed } from '#lib/server/live/run-feed.ts';
import { progressBar } from './cli.ts';
import { sleep } from './processes.ts';

export interface FollowOptions {
	/** Give up after this long: followRun then answers `timedOut` with the last snapshot. */
	timeoutMs?: number;
	/** Called after every poll; a returned line is printed once (e.g. a hint while the run waits). */
	check?: (snapshot: RunSnapshot) => Promise<string | undefined>;
}

export async function followRun(prefect: PrefectClient, runId: string, options: FollowOptions = {}): Promise<{ snapshot: RunSnapshot; timedOut: boolean }> {
	const tty = process.stdout.isTTY;
	const status = (line: string) => (tty ? process.stdout.write(`\r\x1b[2K${line}`) : console.log(line));
	const note = (line: string) => (tty ? process.stdout.write(`\r\x1b[2K${line}\n`) : console.log(line));
	const deadline = options.timeoutMs === undefined ? Infinity : Date.now() + options.timeoutMs;
	const feed = new RunFeed(runId, 30); // log lines from WARNING up
	for (let first = true; ; first = false) {
		const tick = await feed.tick(prefect);
		const snapshot = feed.snapshot()!;
		const names = new Map([[snapshot.run.id, snapshot.run.name], ...snapshot.rows.map((row) => [row.run.id, row.run.name] as const)]);
		for (const change of tick.events) {
			if (change.event !== 'logs' || first) continue;
			for (const line of change.data.lines) {
				note(`  ${line.level} ${names.get(line.flowRunId ?? '') ?? ''}: ${line.message.split('\n')[0]}`);
			}
		}
		const hint = tick.activity === 'final' ? undefined : await options.check?.(snapshot);
		if (hint) note(hint);
		if (first || hint || tick.events.some((change) => change.event === 'run' || change.event === 'children')) status(describe(snapshot));
		const timedOut = tick.activity !== 'final' && Date.now() >= deadline;
		if (tick.activity === 'final' || timedOut) {
			if (tty) process.stdout.write('\n');
			return { snapshot, timedOut };
		}
		await sleep(Math.min(tick.activity === 'active' ? 1000 : 3000, Math.max(0, deadline - Date.now())));
	}
}

/** "2 of 6 tables done · 1 running · 1 completed, 1 failed" — a cancelled or crashed table is never a success. */
export function describeProgress(progress: Progress): string {
	const outcomes = [`${progress.completed} completed`, ...(['failed', 'crashed', 'cancelled'] as const).filter((kind) => progress[kind] > 0).map((kind) => `${progress[kind]} ${kind}`)];
	return `${progressBar(progress.done, progress.total)} ${progress.done} of ${progress.total} tables done · ${progress.running} running · ${outcomes.join(', ')}`;
}

function describe({ run, tree }: RunSnapshot): string {
	return `${tree.progress.total ? describeProgress(tree.progress) : 'waiting for the fan-out…'} · ${run.name}: ${run.state.name}`;
}
