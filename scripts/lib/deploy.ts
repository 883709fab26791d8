/** Deploys the flows (flows/deploy.py) against a Prefect API. */
import { ensurePythonEnv, flowsDir, python } from './python.ts';
import { run } from './processes.ts';

export async function deployFlows(env: Record<string, string>, onLine?: (line: string) => void): Promise<string> {
	await ensurePythonEnv();
	return run(python, ['deploy.py'], { cwd: flowsDir, env, prefix: '', onLine: onLine ?? ((line) => console.log(line)) });
}
