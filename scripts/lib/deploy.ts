/** Deploys the flows (flows/deploy.py) against a Prefect API, with the Python environment of the server's version. */
import { resolve } from 'node:path';
import { ensurePythonEnv, flowsDir, repoRoot, type PrefectMajor } from './python.ts';
import { run } from './processes.ts';

export async function deployFlows(major: PrefectMajor, env: Record<string, string>, onLine?: (line: string) => void): Promise<string> {
	const { python } = await ensurePythonEnv(major);
	return run(python, ['deploy.py'], { cwd: flowsDir, env, prefix: '', onLine: onLine ?? ((line) => console.log(line)) });
}

/** The test fixtures: flows Flowdeck did not write (tests/fixtures/flows), deployed from their own small folder. */
export async function deployFixtureFlows(major: PrefectMajor, env: Record<string, string>, onLine?: (line: string) => void): Promise<string> {
	const { python } = await ensurePythonEnv(major);
	const folder = resolve(repoRoot, 'tests/fixtures/flows');
	return run(python, ['deploy_fixtures.py'], { cwd: folder, env, prefix: '', onLine: onLine ?? ((line) => console.log(line)) });
}
