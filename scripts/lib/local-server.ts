/**
 * A local Prefect server (2.13.7, or 3.x from its own Python environment): native process, SQLite under our own
 * PREFECT_HOME, or PostgreSQL (postgres.ts).
 */
import { mkdirSync } from 'node:fs';
import type { Config } from '#lib/server/config.ts';
import { majorOfVersion, prefectDatabase, type PrefectDatabase } from './prefect-env.ts';
import { startLocalPostgres } from './postgres.ts';
import { createPrefectClient } from '#lib/prefect/client.ts';
import { ensurePythonEnv, pythonEnvs, type PrefectMajor } from './python.ts';
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
	/** Where Prefect keeps its data (default: SQLite in `home`). */
	database?: PrefectDatabase;
	/** Progress lines (the database being started). */
	log?: (line: string) => void;
	/** The Prefect major version to start (default 2: 2.13.7); a server found running must be of this version. */
	prefect?: PrefectMajor;
	/**
	 * How long a task whose tag limit is full waits before asking again. A server setting in 3.x (2.13.7 hard-codes
	 * 30 s on the server; the flows shorten it client-side there, flows/etl/slot_wait.py). Default: Prefect's.
	 */
	tagSlotWaitSeconds?: number;
}

/** The server's environment: the settings' names differ between 2.13.7 and 3.x. */
function serverEnv(major: PrefectMajor, home: string, databaseUrl: string | undefined, tagSlotWaitSeconds: number | undefined): Record<string, string | undefined> {
	const common = {
		PREFECT_HOME: home,
		PREFECT_LOGGING_LEVEL: 'WARNING',
		// Unset (not empty: Prefect cannot parse '') means Prefect's default, SQLite in PREFECT_HOME; a value
		// inherited from the shell is never used (FLOWDECK_PREFECT_DATABASE decides).
		PREFECT_API_DATABASE_CONNECTION_URL: undefined
	};
	if (major === 2) {
		return {
			...common,
			PREFECT_API_URL: '', // the server itself must not talk to another API
			PREFECT_SERVER_ANALYTICS_ENABLED: 'false',
			PREFECT_UI_ENABLED: 'true',
			PREFECT_API_DATABASE_CONNECTION_URL: databaseUrl
		};
	}
	return {
		...common,
		// 3.x reads the old names too, as aliases: the inherited ones are unset so that only ours count.
		PREFECT_API_URL: undefined,
		PREFECT_UI_ENABLED: undefined,
		PREFECT_SERVER_ANALYTICS_ENABLED: 'false',
		PREFECT_SERVER_UI_ENABLED: 'true',
		PREFECT_SERVER_DATABASE_CONNECTION_URL: databaseUrl,
		PREFECT_TASK_RUN_TAG_CONCURRENCY_SLOT_WAIT_SECONDS: undefined,
		PREFECT_SERVER_TASKS_TAG_CONCURRENCY_SLOT_WAIT_SECONDS: tagSlotWaitSeconds === undefined ? undefined : String(tagSlotWaitSeconds)
	};
}

/** The --database option of prefect:server and demo (it overrides FLOWDECK_PREFECT_DATABASE). */
export const databaseOption = {
	type: 'string',
	value: 'sqlite|postgres|URL',
	description: "Prefect's database: sqlite, postgres (a local cluster started here) or a postgresql+asyncpg:// URL (overrides FLOWDECK_PREFECT_DATABASE)"
} as const;

/** FLOWDECK_PREFECT_DATABASE as shown to people. */
export function databaseLabel(cfg: Config): string {
	const database = prefectDatabase(cfg);
	if (database.kind === 'sqlite') return 'SQLite';
	if (database.kind === 'local-postgres') return `local PostgreSQL in ${database.dataDir}`;
	return displayDatabaseUrl(database.url);
}

/** The URL as shown to people: no password. */
export const displayDatabaseUrl = (url: string) => url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');

/** Starts a server for apiUrl's host and port, or reuses a Prefect server already answering there. */
export async function startLocalServer(options: StartServerOptions): Promise<LocalServer> {
	const url = new URL(options.apiUrl);
	const major = options.prefect ?? 2;
	const found = await probe(options.apiUrl);
	if (found.kind === 'prefect') {
		if (majorOfVersion(found.version) !== major) {
			throw new Error(`A Prefect ${found.version} server already answers at ${url.host}, not Prefect ${pythonEnvs[major].prefectVersion}: stop it, or set PREFECT_API_URL to another port.`);
		}
		return { apiUrl: options.apiUrl, stop: async () => {} };
	}
	if (found.kind === 'other') {
		throw new Error(`Port ${url.port} on ${url.hostname} is held by something that is not a Prefect API (${found.reason}). Stop it or set PREFECT_API_URL to another port.`);
	}
	const env = await ensurePythonEnv(major);
	mkdirSync(options.home, { recursive: true });
	const database = options.database ?? { kind: 'sqlite' };
	const postgres = database.kind === 'local-postgres' ? await startLocalPostgres({ dataDir: database.dataDir, port: database.port, log: options.log }) : undefined;
	const databaseUrl = postgres?.url ?? (database.kind === 'url' ? database.url : undefined);
	if (databaseUrl) options.log?.(`Prefect's database: ${displayDatabaseUrl(databaseUrl)}`);
	const server = start(env.prefectCli, ['server', 'start', '--host', url.hostname, '--port', url.port || '4200'], {
		env: serverEnv(major, options.home, databaseUrl, options.tagSlotWaitSeconds),
		prefix: options.logPrefix ?? '',
		quiet: options.logPrefix === undefined
	});
	const stop = async () => {
		await server.stop();
		await postgres?.stop();
	};
	const client = createPrefectClient({ apiUrl: options.apiUrl, timeoutMs: 2000, readRetries: 0 });
	await Promise.race([
		waitFor('the Prefect server to answer /api/health', async () => ((await client.health()) ? true : undefined), options.timeoutMs ?? 90_000),
		server.exited.then((code) => {
			throw new Error(`the Prefect server exited during start-up (exit ${code})`);
		})
	]).catch(async (error: unknown) => {
		await stop();
		throw error;
	});
	return { apiUrl: options.apiUrl, process: server, stop };
}
