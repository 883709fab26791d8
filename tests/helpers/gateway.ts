/**
 * A real form-login gateway for the tests: Apache httpd (mod_auth_form) in front of the Prefect server, from a
 * config template under tests/gateway/, on a free port, with its own ServerRoot, PidFile, ErrorLog and logs in a
 * temporary directory that stop() removes.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, run, start, waitFor, type Managed } from '../../scripts/lib/processes.ts';

const assets = resolve(import.meta.dirname, '../gateway');
const apache = ['/usr/sbin/apache2', '/usr/sbin/httpd'].find((path) => existsSync(path)) ?? 'apache2';

/** The two shapes of workbench the issue asks for. */
export const shapes = {
	/** 200 + one cookie, fields username/password. */
	a: { template: 'shape-a.conf', loginPath: '/login', logoutPath: '/logout', usernameField: 'username', passwordField: 'password', cookies: ['gw_session'] },
	/** 302 after login + two cookies (one scoped to /api), fields user/pass, /api also needs the API key. */
	b: { template: 'shape-b.conf', loginPath: '/auth/sign-in', logoutPath: '/auth/sign-out', usernameField: 'user', passwordField: 'pass', cookies: ['wb_session', 'wb_route'] },
	/**
	 * 302 after login + two cookies set in a changing order, both needed by /api; fields login/secret; an expired
	 * session on /api is a 302 to an HTML sign-in page; every answer sets a fresh anonymous session cookie.
	 */
	c: {
		template: 'shape-c.conf',
		loginPath: '/sso/authenticate',
		logoutPath: '/sso/sign-out',
		usernameField: 'login',
		passwordField: 'secret',
		cookies: ['wc_session', 'wc_node'],
		files: { 'sign-in.html': 'shape-c-sign-in.html' }
	}
} as const;

export type GatewayShape = keyof typeof shapes;

export interface GatewayOptions {
	shape: GatewayShape;
	/** Prefect's API URL (…/api) the gateway proxies to. */
	upstreamApiUrl: string;
	users: Record<string, string>;
	/** mod_session's SessionMaxAge in seconds (sliding). */
	sessionMaxAge?: number;
	/** Shape (b) only: the key /api requires as Authorization: Bearer. */
	apiKey?: string;
}

export interface Gateway {
	origin: string;
	apiUrl: string;
	loginUrl: string;
	logoutUrl: string;
	usernameField: string;
	passwordField: string;
	/** Names of the cookies a successful login sets. */
	cookieNames: readonly string[];
	/** Successful and failed login POSTs the gateway has answered, from its access log. */
	logins: () => Promise<{ succeeded: number; failed: number }>;
	/** Requests to the logout URL the gateway has answered. */
	logouts: () => Promise<number>;
	/** Requests with this method and path (no query) the gateway has answered. */
	requests: (method: string, path: string) => Promise<number>;
	/** Ends every workbench session at once: restarts on the same port with a new session key (cookies stop being valid). */
	endSessions: () => Promise<void>;
	stop: () => Promise<void>;
}

export async function startGateway(options: GatewayOptions): Promise<Gateway> {
	const shape = shapes[options.shape];
	const root = mkdtempSync(join(tmpdir(), 'flowdeck-gateway-'));
	// Started as root, Apache's workers switch to `User` and must still read the password file.
	const asRoot = userInfo().uid === 0;
	if (asRoot) chmodSync(root, 0o755);
	const port = await freePort();
	const values: Record<string, string> = {
		ROOT: root,
		PORT: String(port),
		UPSTREAM: new URL(options.upstreamApiUrl).origin,
		MAX_AGE: String(options.sessionMaxAge ?? 3600),
		API_KEY: options.apiKey ?? '',
		USER: asRoot ? 'User daemon\nGroup daemon' : ''
	};
	const render = (file: string) =>
		readFileSync(join(assets, file), 'utf8').replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
			const value = values[name];
			if (value === undefined) throw new Error(`tests/gateway/${file}: unknown placeholder {{${name}}}`);
			return value;
		});
	let httpd: Managed | undefined;
	const stop = async () => {
		await httpd?.stop();
		rmSync(root, { recursive: true, force: true });
	};
	try {
		if (options.shape === 'b' && !options.apiKey) throw new Error('gateway shape (b) needs an apiKey');
		writeFileSync(join(root, 'common.conf'), render('common.conf'));
		for (const [name, asset] of Object.entries('files' in shape ? shape.files : {})) writeFileSync(join(root, name), readFileSync(join(assets, asset)));
		const configPath = join(root, 'httpd.conf');
		writeFileSync(configPath, render(shape.template));
		writeFileSync(join(root, 'passphrase'), `${crypto.randomUUID()}\n`, { mode: 0o600 });
		const users = join(root, 'users');
		for (const [index, [user, password]] of Object.entries(options.users).entries()) {
			await run('htpasswd', [index === 0 ? '-cbB' : '-bB', users, user, password], { quiet: true });
		}
		if (asRoot) chmodSync(users, 0o644);
		const origin = `http://127.0.0.1:${port}`;
		const launch = async () => {
			const output: string[] = [];
			const started = start(apache, ['-f', configPath, '-DFOREGROUND'], { prefix: '', onLine: (line) => output.push(line) });
			httpd = started;
			await Promise.race([
				waitFor('the gateway to answer', async () => ((await fetch(`${origin}/`).catch(() => undefined))?.status ? true : undefined), 15_000, 100),
				started.exited.then((code) => {
					const log = existsSync(join(root, 'error.log')) ? readFileSync(join(root, 'error.log'), 'utf8') : '';
					throw new Error(`apache2 exited during start-up (exit ${code}):\n${[...output, log].join('\n')}`);
				})
			]);
		};
		await launch();
		const lines = (file: string) => (existsSync(join(root, file)) ? readFileSync(join(root, file), 'utf8').split('\n') : []);
		/**
		 * The statuses of every request with this method and path the gateway has read so far. Apache writes a
		 * request's access line after its answer has gone out, so a request already answered may not be logged yet;
		 * its forensic line ("+id|METHOD URI PROTOCOL|headers") is written before it is handled: wait for the
		 * access line of each.
		 */
		const answered = async (method: string, path: string) => {
			const ids = lines('forensic.log').flatMap((line) => {
				const [id, request] = line.split('|');
				const [requestMethod, uri] = request?.split(' ') ?? [];
				return id?.startsWith('+') && requestMethod === method && uri?.split('?')[0] === path ? [id.slice(1)] : [];
			});
			return waitFor(
				`the gateway's access lines of ${method} ${path}`,
				async () => {
					const statuses = new Map(
						lines('access.log').map((line) => {
							const [id, , , status] = line.split(' ');
							return [id, Number(status)];
						})
					);
					return ids.every((id) => statuses.has(id)) ? ids.map((id) => statuses.get(id)!) : undefined;
				},
				60_000,
				20
			);
		};
		const logins = async () => {
			const statuses = await answered('POST', shape.loginPath);
			const succeeded = statuses.filter((status) => status >= 200 && status < 400).length;
			return { succeeded, failed: statuses.length - succeeded };
		};
		return {
			origin,
			apiUrl: `${origin}/api`,
			loginUrl: `${origin}${shape.loginPath}`,
			logoutUrl: `${origin}${shape.logoutPath}`,
			usernameField: shape.usernameField,
			passwordField: shape.passwordField,
			cookieNames: shape.cookies,
			logins,
			logouts: async () => (await answered('POST', shape.logoutPath)).length,
			requests: async (method, path) => (await answered(method, path)).length,
			endSessions: async () => {
				await httpd?.stop();
				writeFileSync(join(root, 'passphrase'), `${crypto.randomUUID()}\n`, { mode: 0o600 });
				await launch();
			},
			stop
		};
	} catch (error) {
		await stop();
		throw error;
	}
}
