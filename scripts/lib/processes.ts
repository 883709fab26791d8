/** Child processes in their own process group, with prefixed output and a stop that leaves no orphan. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { basename } from 'node:path';
import { createInterface } from 'node:readline';

export interface Managed {
	child: ChildProcess;
	exited: Promise<number | null>;
	stop: (graceMs?: number) => Promise<void>;
}

export interface StartOptions {
	cwd?: string;
	env?: Record<string, string | undefined>;
	/** Prefix for every output line, e.g. "[worker-1] "; omit to inherit stdio. */
	prefix?: string;
	/** Where prefixed lines go (default: this process's stdout). */
	onLine?: (line: string) => void;
	quiet?: boolean;
}

export function start(command: string, args: string[], options: StartOptions = {}): Managed {
	const piped = options.prefix !== undefined || options.quiet;
	const child = spawn(command, args, {
		cwd: options.cwd,
		env: { ...process.env, ...options.env },
		detached: true, // own process group: stop() signals the whole tree
		stdio: piped ? ['ignore', 'pipe', 'pipe'] : 'inherit'
	});
	if (piped) {
		const write = options.onLine ?? ((line: string) => process.stdout.write(`${line}\n`));
		for (const stream of [child.stdout, child.stderr]) {
			if (!stream) continue;
			if (options.quiet) {
				stream.resume();
				continue;
			}
			createInterface({ input: stream }).on('line', (line) => write(`${options.prefix ?? ''}${line}`));
		}
	}
	const exited = new Promise<number | null>((resolvePromise) => {
		child.once('exit', (code, signal) => resolvePromise(code ?? (signal ? 128 : null)));
		child.once('error', () => resolvePromise(127));
	});
	const managed: Managed = { child, exited, stop: (graceMs = 8000) => stopGroup(child, exited, graceMs) };
	running.add(managed);
	void exited.then(() => running.delete(managed));
	return managed;
}

/** Children still running: a Ctrl-C stops them all, whoever started them. */
const running = new Set<Managed>();

async function stopGroup(child: ChildProcess, exited: Promise<number | null>, graceMs: number): Promise<void> {
	if (child.pid === undefined) return;
	const signalGroup = (signal: NodeJS.Signals) => {
		try {
			process.kill(-child.pid!, signal);
		} catch {
			/* already gone */
		}
	};
	if (child.exitCode === null && child.signalCode === null) signalGroup('SIGTERM');
	const timer = setTimeout(() => signalGroup('SIGKILL'), graceMs);
	await exited;
	clearTimeout(timer);
	// Grandchildren (flow-run processes of a worker) may outlive the leader: end the group for good.
	await endGroup(child.pid, 0);
}

/** Pids of the processes in process group `pgid`, the leader included (from /proc; [] elsewhere). */
export function groupMembers(pgid: number): number[] {
	let entries: string[];
	try {
		entries = readdirSync('/proc').filter((entry) => /^\d+$/.test(entry));
	} catch {
		return [];
	}
	const members: number[] = [];
	for (const entry of entries) {
		try {
			// /proc/<pid>/stat: "pid (comm) state ppid pgrp …"; comm may hold spaces and parentheses.
			const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
			const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
			if (Number(fields[2]) === pgid && fields[0] !== 'Z') members.push(Number(entry));
		} catch {
			/* exited meanwhile */
		}
	}
	return members;
}

/** SIGTERM every process of group `pgid`, SIGKILL what is left after `graceMs`, and wait until the group is empty. */
export async function endGroup(pgid: number, graceMs = 5000): Promise<void> {
	const signal = (name: NodeJS.Signals) => {
		try {
			process.kill(-pgid, name);
		} catch {
			/* the group is gone */
		}
	};
	if (graceMs > 0) {
		signal('SIGTERM');
		const deadline = Date.now() + graceMs;
		while (groupMembers(pgid).length > 0 && Date.now() < deadline) await sleep(100);
	}
	signal('SIGKILL');
	for (let waited = 0; groupMembers(pgid).length > 0 && waited < 5000; waited += 100) await sleep(100);
}

/** Runs a command to completion; rejects with its output when it fails. */
export async function run(command: string, args: string[], options: StartOptions = {}): Promise<string> {
	const lines: string[] = [];
	const managed = start(command, args, {
		...options,
		prefix: options.prefix ?? '',
		onLine: (line) => {
			lines.push(line);
			if (!options.quiet && options.onLine) options.onLine(line);
		}
	});
	const code = await managed.exited;
	if (code !== 0) {
		// Output already shown is not repeated in the error.
		const shown = !options.quiet && options.onLine !== undefined;
		throw new Error(`${basename(command)} ${args.join(' ')} failed (exit ${code})${shown ? '' : `:\n${lines.slice(-40).join('\n')}`}`);
	}
	return lines.join('\n');
}

export async function freePort(): Promise<number> {
	return new Promise((resolvePromise, reject) => {
		const server = createServer();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const address = server.address();
			server.close(() => (typeof address === 'object' && address ? resolvePromise(address.port) : reject(new Error('no port'))));
		});
	});
}

export async function isPortOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
	const { connect } = await import('node:net');
	return new Promise((resolvePromise) => {
		const socket = connect({ port, host });
		socket.once('connect', () => {
			socket.destroy();
			resolvePromise(true);
		});
		socket.once('error', () => resolvePromise(false));
	});
}

export const sleep = (ms: number) => new Promise((resolvePromise) => setTimeout(resolvePromise, ms));

/** Polls `check` until it returns a value (not undefined) or the deadline passes. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number, everyMs = 500): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = await check().catch(() => undefined);
		if (value !== undefined) return value;
		if (Date.now() > deadline) throw new Error(`timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`);
		await sleep(everyMs);
	}
}

let stopping = false;
const cleanups: Array<() => Promise<void>> = [];

/** True once SIGINT/SIGTERM started the shutdown: the shutdown handler, not the script's main, exits then. */
export const isShuttingDown = () => stopping;

/** On SIGINT/SIGTERM: run the registered cleanups (last first), stop every child still running, exit 130/143. */
export function handleSignals(): void {
	const handler = (signal: NodeJS.Signals) => {
		if (stopping) return;
		stopping = true;
		process.stdout.write(`\n${signal}: stopping…\n`);
		void (async () => {
			for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
			await Promise.all([...running].map((child) => child.stop()));
		})().finally(() => process.exit(signal === 'SIGINT' ? 130 : 143));
	};
	if (process.listenerCount('SIGINT') === 0) {
		process.on('SIGINT', handler);
		process.on('SIGTERM', handler);
	}
}

/** Runs `cleanup` on SIGINT/SIGTERM before the remaining children are stopped. */
export function onShutdown(cleanup: () => Promise<void>): void {
	cleanups.push(cleanup);
	handleSignals();
}
