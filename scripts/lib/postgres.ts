/**
 * A local PostgreSQL for Prefect (Debian's `postgresql` package, 15): its own cluster in a data directory of
 * ours, listening on 127.0.0.1 only, password-protected, run as a non-root user (the `postgres` account when
 * started as root: PostgreSQL refuses to run as root). The first start creates the cluster and the database.
 */
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { userInfo } from 'node:os';
import { freePort, isPortOpen, run, start, waitFor, type Managed } from './processes.ts';

const BIN_DIRS = ['/usr/lib/postgresql/15/bin', '/usr/lib/postgresql/16/bin', '/usr/lib/postgresql/17/bin'];
const DATABASE = 'prefect';
const ROLE = 'flowdeck';

export interface LocalPostgres {
	/** SQLAlchemy URL for Prefect (postgresql+asyncpg://…); it contains the password: never print it. */
	url: string;
	port: number;
	stop: () => Promise<void>;
}

function binDir(): string {
	const found = BIN_DIRS.find((dir) => existsSync(join(dir, 'initdb')));
	if (!found) throw new Error(`PostgreSQL server binaries not found (looked in ${BIN_DIRS.join(', ')}): install Debian's postgresql package (apt-get install postgresql)`);
	return found;
}

/** The user PostgreSQL runs as: ourselves, or `postgres` when we are root. */
function runAs(): { wrap: (command: string, args: string[]) => [string, string[]]; uid?: number; gid?: number } {
	if (userInfo().uid !== 0) return { wrap: (command, args) => [command, args] };
	const ids = (flag: string) =>
		Number(
			readFileSync('/etc/passwd', 'utf8')
				.split('\n')
				.find((line) => line.startsWith('postgres:'))
				?.split(':')[flag === 'u' ? 2 : 3]
		);
	const uid = ids('u');
	const gid = ids('g');
	if (!Number.isInteger(uid)) throw new Error("running as root, and there is no `postgres` account to run PostgreSQL as (install Debian's postgresql package)");
	return { wrap: (command, args) => ['runuser', ['-u', 'postgres', '--', command, ...args]], uid, gid };
}

/**
 * Starts PostgreSQL on `dataDir` (created on first use) on `port` (default: a free one), and waits until it
 * accepts connections. stop() shuts it down (fast shutdown: open connections are closed).
 */
export async function startLocalPostgres(options: { dataDir: string; port?: number; log?: (line: string) => void }): Promise<LocalPostgres> {
	const bin = binDir();
	const user = runAs();
	const log = options.log ?? (() => {});
	const { dataDir } = options;
	const passwordFile = join(dirname(dataDir), `${ROLE}.password`);
	const fresh = !existsSync(join(dataDir, 'PG_VERSION'));
	const own = (path: string) => {
		if (user.uid !== undefined) chownSync(path, user.uid, user.gid!);
	};
	if (fresh) {
		mkdirSync(dataDir, { recursive: true, mode: 0o700 });
		chmodSync(dataDir, 0o700);
		own(dataDir);
		writeFileSync(passwordFile, `${randomBytes(24).toString('base64url')}\n`, { mode: 0o600 });
		own(passwordFile);
		log(`creating a PostgreSQL cluster in ${dataDir}`);
		const [command, args] = user.wrap(join(bin, 'initdb'), ['-D', dataDir, '-U', ROLE, `--pwfile=${passwordFile}`, '--auth=scram-sha-256', '-E', 'UTF8', '--locale=C']);
		await run(command, args, { quiet: true });
	}
	if (!existsSync(passwordFile)) throw new Error(`${passwordFile} is missing: it holds the password of the cluster in ${dataDir} (remove the data directory to start over)`);
	const password = readFileSync(passwordFile, 'utf8').trim();
	const port = options.port ?? (await freePort());
	if (await isPortOpen(port)) throw new Error(`port ${port} on 127.0.0.1 is already in use: set FLOWDECK_POSTGRES_PORT to a free one`);
	const output: string[] = [];
	// In the foreground (not pg_ctl's daemon) so that it is in our process group and Ctrl-C ends it.
	const [command, args] = user.wrap(join(bin, 'postgres'), [
		'-D',
		dataDir,
		'-c',
		'listen_addresses=127.0.0.1',
		'-p',
		String(port),
		'-c',
		`unix_socket_directories=${dataDir}`,
		'-c',
		'max_connections=200'
	]);
	const server: Managed = start(command, args, { prefix: '', onLine: (line) => output.push(line) });
	const stop = async () => {
		// SIGINT is PostgreSQL's fast shutdown (SIGTERM would wait for every client to leave).
		if (server.child.pid !== undefined) {
			try {
				process.kill(-server.child.pid, 'SIGINT');
			} catch {
				/* gone */
			}
		}
		await server.stop(15_000);
	};
	const psql = (sql: string) =>
		run(join(bin, 'psql'), ['-h', '127.0.0.1', '-p', String(port), '-U', ROLE, '-d', 'postgres', '-tA', '-c', sql], { env: { PGPASSWORD: password, PGCONNECT_TIMEOUT: '3' } });
	try {
		await Promise.race([
			waitFor('PostgreSQL to accept connections', async () => ((await psql('select 1')).trim() === '1' ? true : undefined), 60_000, 250),
			server.exited.then((code) => {
				throw new Error(`PostgreSQL exited during start-up (exit ${code})`);
			})
		]);
		if (!(await psql(`select 1 from pg_database where datname = '${DATABASE}'`)).trim()) await psql(`create database ${DATABASE}`);
	} catch (error) {
		await stop();
		throw new Error(`${error instanceof Error ? error.message : String(error)}\n${output.slice(-20).join('\n')}`);
	}
	return { url: `postgresql+asyncpg://${ROLE}:${encodeURIComponent(password)}@127.0.0.1:${port}/${DATABASE}`, port, stop };
}
