/** Runs an npm script's entry file as a process (as `npm run` does), with a clean Flowdeck environment. */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from '../../scripts/lib/python.ts';
import { isolatedEnv } from '../helpers/flowdeck.ts';

export interface Finished {
	code: number | null;
	stdout: string;
	stderr: string;
}

/** The entry file of each npm script with --help. */
export const SCRIPTS: Record<string, string> = {
	demo: 'scripts/demo.ts',
	start: 'scripts/serve.ts',
	'prefect:server': 'scripts/prefect-server.ts',
	'prefect:setup': 'scripts/prefect-setup.ts',
	deploy: 'scripts/deploy.ts',
	workers: 'scripts/workers.ts',
	'run:distributed': 'scripts/run-distributed.ts',
	'run:flow': 'scripts/run-flow.ts',
	'test:auth': 'scripts/test-auth.ts',
	test: 'scripts/test-all.ts',
	bench: 'bench/run.ts'
};

export function spawnScript(file: string, args: string[], env: Record<string, string> = {}): { child: ChildProcess; finished: Promise<Finished> } {
	const child = spawn(process.execPath, [join(repoRoot, file), ...args], { cwd: repoRoot, env: isolatedEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
	let stdout = '';
	let stderr = '';
	child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk));
	child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk));
	const finished = new Promise<Finished>((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
	return { child, finished };
}

export const runScript = (file: string, args: string[], env: Record<string, string> = {}) => spawnScript(file, args, env).finished;
