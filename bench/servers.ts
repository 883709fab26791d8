/** What the benchmarks start: the built Flowdeck, a Prefect set up for the distributed ETL, Chromium. */
import { chromium, type Browser } from '@playwright/test';
import { createPrefectClient, type PrefectClient } from '#lib/prefect/client.ts';
import { parseConfig, type Config } from '#lib/server/config.ts';
import { deployFlows } from '../scripts/lib/deploy.ts';
import { startLocalServer } from '../scripts/lib/local-server.ts';
import { prefectProcessEnv } from '../scripts/lib/prefect-env.ts';
import { freePort, run, start, waitFor, type Managed } from '../scripts/lib/processes.ts';
import { repoRoot } from '../scripts/lib/python.ts';
import { setupServer } from '../scripts/lib/setup.ts';

/** Builds the UI that `startFlowdeck` serves. */
export async function buildUi(): Promise<void> {
	console.log('building the UI…');
	await run('npx', ['vite', 'build', '--logLevel', 'error'], { cwd: repoRoot, quiet: true });
}

/** The built Flowdeck (`scripts/serve.ts`) on a free loopback port with `env`, once it answers /healthz. */
export async function startFlowdeck(env: Record<string, string>): Promise<{ url: string; process: Managed }> {
	const port = await freePort();
	const server = start(process.execPath, ['scripts/serve.ts'], { cwd: repoRoot, env: { HOST: '127.0.0.1', ...env, PORT: String(port) }, quiet: true });
	const url = `http://127.0.0.1:${port}`;
	await waitFor('Flowdeck', async () => ((await fetch(`${url}/healthz`)).ok ? true : undefined), 30_000, 200);
	return { url, process: server };
}

export const launchChromium = (): Promise<Browser> => chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-quic'] });

export interface EtlPrefect {
	apiUrl: string;
	prefect: PrefectClient;
	cfg: Config;
	/** The environment of workers and flow-run processes. */
	env: Record<string, string>;
	stop: () => Promise<void>;
}

/** A local Prefect 2.13.7 in `home` with the work pool, the tag limit `limit` and the flows deployed. */
export async function startEtlPrefect(home: string, limit: number): Promise<EtlPrefect> {
	const apiUrl = `http://127.0.0.1:${await freePort()}/api`;
	const cfg = parseConfig({ PREFECT_API_URL: apiUrl, PREFECT_CONCURRENCY_LIMIT: String(limit) });
	console.log(`starting Prefect at ${apiUrl}…`);
	const server = await startLocalServer({ apiUrl, home });
	try {
		const prefect = createPrefectClient({ apiUrl });
		await setupServer(prefect, { workPool: cfg.PREFECT_WORK_POOL, tag: cfg.PREFECT_CONCURRENCY_TAG, limit });
		const env = prefectProcessEnv(cfg);
		console.log('deploying the flows…');
		await deployFlows(2, env, () => {});
		return { apiUrl, prefect, cfg, env, stop: () => server.stop() };
	} catch (error) {
		await server.stop();
		throw error;
	}
}
