/**
 * The flows' Python environments, one per supported Prefect major version, each made by a pinned uv from its
 * own lock file:
 * - Prefect 2.13.7: Python 3.11 + pydantic 1, locked in flows/uv.lock, venv ./.venv;
 * - Prefect 3.x: Python 3.12 + pydantic 2, locked in flows/prefect3/uv.lock, venv ./.venv-prefect3.
 * The same flow code (flows/) runs in both. The venvs live at the repo root, outside flows/, because Prefect
 * 2.x's process worker copies the whole deployment folder (flows/) into a temporary directory for every run.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { run } from './processes.ts';

export const repoRoot = resolve(import.meta.dirname, '../..');
export const flowsDir = resolve(repoRoot, 'flows');
const toolsVenv = resolve(repoRoot, '.run/tools');
const UV_VERSION = '0.13.9';

/** The Prefect major versions Flowdeck's tooling can run (2 = 2.13.7, the default; 3 = the newest 3.x). */
export const PREFECT_MAJORS = [2, 3] as const;
export type PrefectMajor = (typeof PREFECT_MAJORS)[number];

export interface PythonEnv {
	major: PrefectMajor;
	/** The Prefect release the lock pins, as people read it. */
	prefectVersion: string;
	pythonVersion: string;
	/** The uv project (pyproject.toml + uv.lock). */
	projectDir: string;
	lockPath: string;
	venv: string;
	python: string;
	prefectCli: string;
}

function pythonEnvAt(major: PrefectMajor, prefectVersion: string, pythonVersion: string, projectDir: string, venvName: string): PythonEnv {
	const venv = resolve(repoRoot, venvName);
	return {
		major,
		prefectVersion,
		pythonVersion,
		projectDir,
		lockPath: resolve(projectDir, 'uv.lock'),
		venv,
		python: resolve(venv, 'bin/python'),
		prefectCli: resolve(venv, 'bin/prefect')
	};
}

export const pythonEnvs: Record<PrefectMajor, PythonEnv> = {
	2: pythonEnvAt(2, '2.13.7', '3.11', flowsDir, '.venv'),
	3: pythonEnvAt(3, '3.9.1', '3.12', resolve(flowsDir, 'prefect3'), '.venv-prefect3')
};

/** The Prefect 2.13.7 environment's Python (the default one). */
export const python = pythonEnvs[2].python;

async function uvBinary(): Promise<string> {
	const uv = resolve(toolsVenv, 'bin/uv');
	if (existsSync(uv)) return uv;
	console.log(`Installing uv ${UV_VERSION} into .run/tools (once)…`);
	await run('python3', ['-m', 'venv', toolsVenv], { quiet: true });
	await run(resolve(toolsVenv, 'bin/pip'), ['install', '--quiet', '--disable-pip-version-check', `uv==${UV_VERSION}`], { quiet: true });
	return uv;
}

const ready = new Map<PrefectMajor, Promise<PythonEnv>>();

/**
 * Creates or updates the environment for a Prefect major version from its lock file (fast when nothing changed),
 * with every module compiled to bytecode: each flow run is a new Python process importing Prefect, and where
 * PYTHONDONTWRITEBYTECODE is set (as on our CI machines) or the venv is read-only, nothing is ever cached, so each
 * run would compile Prefect from source again (about 2x the CPU of the import; 12 of them at once is what made a
 * fan-out slow to start).
 */
export function ensurePythonEnv(major: PrefectMajor = 2): Promise<PythonEnv> {
	let pending = ready.get(major);
	if (!pending) {
		const env = pythonEnvs[major];
		pending = (async () => {
			const uv = await uvBinary();
			const args = ['sync', '--project', env.projectDir, '--frozen', '--python', env.pythonVersion, '--compile-bytecode', '--quiet'];
			// PYENV_VERSION: where pyenv's shims are on PATH, they answer for the global version only; this lets
			// `python3.12` resolve to an installed 3.12 when the global one is 3.11 (no effect without pyenv).
			const uvEnv = { UV_PROJECT_ENVIRONMENT: env.venv, UV_PYTHON_DOWNLOADS: 'never', VIRTUAL_ENV: '', PYENV_VERSION: env.pythonVersion };
			await run(uv, args, { env: uvEnv, quiet: true }).catch((error: Error) => {
				throw new Error(`Could not create the Python environment for Prefect ${env.prefectVersion} in ${env.venv} (Python ${env.pythonVersion} is required):\n${error.message}`);
			});
			return env;
		})();
		ready.set(major, pending);
	}
	return pending;
}
