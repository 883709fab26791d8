/** A local Prefect 2.13.7 server: native process, SQLite under our own PREFECT_HOME. */
import { mkdirSync } from 'node:fs';
import { createPrefectClient } from '#lib/prefect/client.ts';
import { ensurePythonEnv, prefectCli } from './python.ts';
import { isPortOpen, start, waitFor, type Managed } from './processes.ts';

export interface LocalServer {
	apiUrl: string;
	/** undefined when an already running server was reused. */
	process?: Managed;
	stop: () => Promise<void>;
}

export type ServerProbe = { kind: 'prefect'; version: string } | { kind: 'free' } | { kind: 'other'; reason: string };

/** What answers at apiUrl: a Prefect server (and its version), nothing, or something else. */
export async function probe(apiUrl: string): Promise<ServerProbe> {
	const url = new URL(apiUrl);
	const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
	if (!(await isPortOpen(port, url.hostname))) return { kind: 'free' };
	try {
		const version = await createPrefectClient({ apiUrl, timeoutMs: 3000, readRetries: 0 }).serverVersion();
		return { kind: 'prefect', version };
	} catch (error) {
		return { kind: 'other', reason: error instanceof Error ? error.message : String(error) };
	}
}

export interface StartServerOptions {
	apiUrl: string;
	home: string;
	/** Print the server's own log lines with this prefix (default: quiet). */
	logPrefix?: string;
	timeoutMs?: number;
}

/** Starts a server for apiUrl's host and port, or reuses a Prefect server already answering there. */
export async function startLocalServer(options: StartServerOptions): Promise<LocalServer> {
	const url = new URL(options.apiUrl);
	const found = await probe(options.apiUrl);
	if (found.kind === 'prefect') return { apiUrl: options.apiUrl, stop: async () => {} };
	if (found.kind === 'other') {
		throw new Error(`Port ${url.port} on ${url.hostname} is held by something that is not a Prefect API (${found.reason}). Stop it or set PREFECT_API_URL to another port.`);
	}
	await ensurePythonEnv();
	mkdirSync(options.home, { recursive: true });
	const server = start(prefectCli, ['server', 'start', '--host', url.hostname, '--port', url.port || '4200'], {
		env: {
			PREFECT_HOME: options.home,
			PREFECT_API_URL: '', // the server itself must not talk to another API
			PREFECT_SERVER_ANALYTICS_ENABLED: 'false',
			PREFECT_UI_ENABLED: 'true',
			PREFECT_LOGGING_LEVEL: 'WARNING'
		},
		prefix: options.logPrefix ?? '',
		quiet: options.logPrefix === undefined
	});
	const client = createPrefectClient({ apiUrl: options.apiUrl, timeoutMs: 2000, readRetries: 0 });
	await Promise.race([
		waitFor('the Prefect server to answer /api/health', async () => ((await client.health()) ? true : undefined), options.timeoutMs ?? 90_000),
		server.exited.then((code) => {
			throw new Error(`the Prefect server exited during start-up (exit ${code})`);
		})
	]).catch(async (error: unknown) => {
		await server.stop();
		throw error;
	});
	return { apiUrl: options.apiUrl, process: server, stop: () => server.stop() };
}
