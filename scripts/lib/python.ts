/**
 * The flows' Python environment: Python 3.11 with the locked set in flows/uv.lock, made by a pinned uv.
 * The venv lives at ./.venv, outside flows/, because Prefect's process worker copies the whole
 * deployment folder (flows/) into a temporary directory for every run.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { run } from './processes.ts';

export const repoRoot = resolve(import.meta.dirname, '../..');
export const flowsDir = resolve(repoRoot, 'flows');
const venv = resolve(repoRoot, '.venv');
const toolsVenv = resolve(repoRoot, '.run/tools');
const UV_VERSION = '0.13.9';

export const python = resolve(venv, 'bin/python');
export const prefectCli = resolve(venv, 'bin/prefect');

export function uvEnv(): Record<string, string> {
	return { UV_PROJECT_ENVIRONMENT: venv, UV_PYTHON_DOWNLOADS: 'never', VIRTUAL_ENV: '' };
}

async function uvBinary(): Promise<string> {
	const uv = resolve(toolsVenv, 'bin/uv');
	if (existsSync(uv)) return uv;
	console.log(`Installing uv ${UV_VERSION} into .run/tools (once)…`);
	await run('python3', ['-m', 'venv', toolsVenv], { quiet: true });
	await run(resolve(toolsVenv, 'bin/pip'), ['install', '--quiet', '--disable-pip-version-check', `uv==${UV_VERSION}`], { quiet: true });
	return uv;
}

let ready: Promise<void> | undefined;

/**
 * Creates or updates ./.venv from the lock file (fast when nothing changed), with every module compiled to
 * bytecode: each flow run is a new Python process importing Prefect, and where PYTHONDONTWRITEBYTECODE is set (as
 * on our CI machines) or the venv is read-only, nothing is ever cached, so each run would compile Prefect from
 * source again (about 2x the CPU of the import; 12 of them at once is what made a fan-out slow to start).
 */
export function ensurePythonEnv(): Promise<void> {
	ready ??= (async () => {
		const uv = await uvBinary();
		await run(uv, ['sync', '--project', flowsDir, '--frozen', '--python', '3.11', '--compile-bytecode', '--quiet'], { env: uvEnv(), quiet: true }).catch((error: Error) => {
			throw new Error(`Could not create the Python environment (Python 3.11 is required):\n${error.message}`);
		});
	})();
	return ready;
}
