/**
 * A real, built Flowdeck server (scripts/serve.ts) on a free port with the given environment, and a tiny
 * cookie-keeping client for driving it like a browser without one: every response is recorded so tests can
 * check nothing upstream ever reaches the browser.
 */
import { existsSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { freePort, run, start, waitFor } from '../../scripts/lib/processes.ts';
import { repoRoot } from '../../scripts/lib/python.ts';

/** Builds the app once when build/ is missing (npm test builds before the integration tests). */
export async function ensureBuild(): Promise<void> {
	if (!existsSync(join(repoRoot, 'build/handler.js'))) await run('npx', ['vite', 'build', '--logLevel', 'warn'], { cwd: repoRoot, quiet: true });
}

export interface FlowdeckServer {
	url: string;
	/** The server's output so far (to check what reaches its log). */
	output: string[];
	stop: () => Promise<void>;
}

/**
 * `env` over the current environment with every Flowdeck, Prefect and workbench variable removed first, so nothing
 * from a developer's shell (or the test stack's environment) changes the mode under test. Whole (PATH included):
 * it is a child's entire environment when given to spawn; removed variables are undefined, which spawn leaves out.
 */
export function isolatedEnv(env: Record<string, string>): Record<string, string | undefined> {
	const cleared = Object.keys(process.env).filter((name) => /^(PREFECT_|WORKBENCH_|FLOWDECK_|ORIGIN$|PROTOCOL_HEADER$|HOST_HEADER$)/.test(name));
	return { ...process.env, ...Object.fromEntries(cleared.map((name) => [name, undefined])), ...env };
}

/** Starts the built server; `port` restarts one on the port a page is already connected to. */
export async function startFlowdeck(env: Record<string, string>, port?: number): Promise<FlowdeckServer> {
	await ensureBuild();
	port ??= await freePort();
	const url = `http://127.0.0.1:${port}`;
	const output: string[] = [];
	const server = start(process.execPath, ['scripts/serve.ts'], { cwd: repoRoot, env: isolatedEnv({ ...env, HOST: '127.0.0.1', PORT: String(port) }), prefix: '', onLine: (line) => output.push(line) });
	try {
		await Promise.race([
			waitFor('the Flowdeck server', async () => ((await fetch(`${url}/healthz`)).ok ? true : undefined), 30_000, 200),
			server.exited.then((code) => {
				throw new Error(`Flowdeck exited during start-up (exit ${code}):\n${output.join('\n')}`);
			})
		]);
	} catch (error) {
		await server.stop();
		throw error;
	}
	return { url, output, stop: () => server.stop() };
}

export interface Recorded {
	method: string;
	url: string;
	status: number;
	headers: [string, string][];
	body: string;
}

/** A browser-like client: keeps Flowdeck's cookies, sends Accept: text/html and a same-origin Origin on posts. */
export class Visitor {
	readonly base: string;
	readonly cookies = new Map<string, string>();
	readonly recorded: Recorded[];
	/** Sent with every request (e.g. the headers a proxy adds). */
	readonly headers: Record<string, string>;

	constructor(base: string, recorded: Recorded[] = [], headers: Record<string, string> = {}) {
		this.base = base;
		this.recorded = recorded;
		this.headers = headers;
	}

	async get(path: string): Promise<Recorded> {
		return this.send('GET', path);
	}

	async post(path: string, form: Record<string, string>, origin = this.base): Promise<Recorded> {
		return this.send('POST', path, { body: new URLSearchParams(form), origin });
	}

	async send(method: string, path: string, options: { body?: URLSearchParams; origin?: string } = {}): Promise<Recorded> {
		const headers: Record<string, string> = { accept: 'text/html', ...this.headers };
		if (options.origin) headers.origin = options.origin;
		if (this.cookies.size) headers.cookie = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
		const response = await fetch(new URL(path, this.base), { method, headers, body: options.body, redirect: 'manual' });
		for (const header of response.headers.getSetCookie()) {
			const [pair = ''] = header.split(';');
			const [name = '', value = ''] = pair.split('=');
			if (/max-age=0/i.test(header) || value === '') this.cookies.delete(name.trim());
			else this.cookies.set(name.trim(), value.trim());
		}
		const recorded = { method, url: path, status: response.status, headers: [...response.headers], body: await response.text() };
		this.recorded.push(recorded);
		return recorded;
	}

	/** Signs in on /login (the form a person submits); answers the action's response. */
	signIn(username: string, password: string, next = '/'): Promise<Recorded> {
		return this.post('/login?/signIn', { username, password, next });
	}

	signOut(): Promise<Recorded> {
		return this.post('/login?/signOut', {});
	}
}

export const header = (response: Recorded, name: string): string | undefined => response.headers.find(([key]) => key === name.toLowerCase())?.[1];

export const setCookies = (response: Recorded): string[] => response.headers.filter(([key]) => key === 'set-cookie').map(([, value]) => value);

/**
 * One request with headers fetch will not send as given (a forged Host, a raw body with any content type), as a
 * DNS-rebinding page or a broken client would; answers the status and body.
 */
export function rawRequest(
	url: string,
	options: { method?: string; headers?: Record<string, string>; body?: string } = {}
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
	return new Promise((resolve, reject) => {
		const request = httpRequest(url, { method: options.method ?? 'GET', headers: options.headers }, (response) => {
			const chunks: Buffer[] = [];
			response.on('data', (chunk: Buffer) => chunks.push(chunk));
			response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') }));
			response.on('error', reject);
		});
		request.on('error', reject);
		request.end(options.body);
	});
}
