/**
 * npm run test:auth [-- --username NAME] — checks PREFECT_API_URL and the credentials of the configured mode:
 * signs in at the workbench (the service account, or NAME with a password read from stdin), reads flows and work
 * pools through the gateway, and says precisely what failed: when a sign-in fails, the sign-in page's form tells a
 * wrong login URL or wrong field names from wrong credentials. Never prints a password, cookie or key.
 */
import { createInterface } from 'node:readline';
import { cookieHeader, type CookieJar } from '#lib/auth/cookies.ts';
import { checkLoginForm, type FormCheck } from '#lib/auth/login-form.ts';
import { authModeOf, describeAuthMode } from '#lib/auth/mode.ts';
import type { UpstreamCredentials } from '#lib/prefect/request.ts';
import { apiKeyHeaders, jarCredentials } from '#lib/auth/upstream.ts';
import { createWorkbenchClient, WorkbenchError, type SignInFailure } from '#lib/auth/workbench.ts';
import { isPrefectError, type PrefectErrorKind } from '#lib/prefect/errors.ts';
import { displayUrl } from '#lib/prefect/request.ts';
import type { Config } from '#lib/server/config.ts';
import { prefectClientFor } from '#lib/server/prefect.ts';
import { cliConfig, main, parseCli, type CliSpec } from './lib/cli.ts';
import { probe } from './lib/local-server.ts';

const ok = (line: string) => console.log(`\u2713 ${line}`);
const bad = (line: string) => console.error(`\u2717 ${line}`);

const signInHints: Record<SignInFailure, string> = {
	refused: 'check the username and password, and that WORKBENCH_LOGIN_URL and the field names match the sign-in form',
	'no-session': 'the form was accepted but no session started',
	unreachable: 'check WORKBENCH_LOGIN_URL (host and port) and that the workbench is up',
	unexpected: 'is WORKBENCH_LOGIN_URL the URL the login form posts to?'
};

const apiDiagnosis: Record<PrefectErrorKind, string> = {
	unreachable: 'unreachable: the connection failed',
	timeout: 'timeout: the server accepted the connection but did not answer in time',
	unauthorized: 'refused credentials (401/403): check PREFECT_API_KEY (or PREFECT_API_AUTH_STRING) or the workbench sign-in',
	'not-found': 'not a Prefect API: the URL answers 404 for Prefect endpoints; does PREFECT_API_URL end in /api?',
	malformed: 'not a Prefect API: the answers are not what Prefect 2.x sends (a login page or another service?)',
	validation: 'the server refused the request',
	conflict: 'unexpected conflict',
	upstream: 'the server failed (5xx)'
};

/** A password typed without echo on a terminal, or the first line of piped stdin. */
async function readPassword(username: string): Promise<string> {
	const stdin = process.stdin;
	if (!stdin.isTTY) {
		for await (const line of createInterface({ input: stdin })) return line;
		return '';
	}
	process.stdout.write(`Workbench password for ${username}: `);
	stdin.setRawMode(true);
	let password = '';
	for await (const chunk of stdin) {
		for (const char of String(chunk)) {
			if (char === '\r' || char === '\n') {
				stdin.setRawMode(false);
				stdin.pause();
				process.stdout.write('\n');
				return password;
			}
			if (char === '\u0003') process.exit(130);
			password = char === '\u007f' ? password.slice(0, -1) : password + char;
		}
	}
	return password;
}

/**
 * The workbench's sign-in page, checked against the settings: WORKBENCH_LOGIN_URL itself (when it serves the form),
 * else the page an anonymous API call is redirected to. Undefined when neither gives an HTML page.
 */
async function inspectSignInPage(cfg: Config): Promise<FormCheck | undefined> {
	const settings = { loginUrl: cfg.WORKBENCH_LOGIN_URL!, usernameField: cfg.WORKBENCH_USERNAME_FIELD, passwordField: cfg.WORKBENCH_PASSWORD_FIELD };
	const get = (url: string, redirect: RequestRedirect) =>
		fetch(url, { headers: { accept: 'text/html' }, redirect, signal: AbortSignal.timeout(cfg.FLOWDECK_REQUEST_TIMEOUT_MS) }).catch(() => undefined);
	const pages = [cfg.WORKBENCH_LOGIN_URL!];
	const anonymous = await get(`${cfg.PREFECT_API_URL}/health`, 'manual');
	const location = anonymous && anonymous.status >= 300 && anonymous.status < 400 ? anonymous.headers.get('location') : null;
	if (location) pages.push(new URL(location, cfg.PREFECT_API_URL).href);
	let fallback: FormCheck | undefined;
	for (const page of pages) {
		const response = await get(page, 'follow');
		if (!response?.ok || !response.headers.get('content-type')?.includes('html')) continue;
		const check = checkLoginForm(await response.text(), displayUrl(response.url), settings);
		if (check.verdict !== 'no-form') return check;
		fallback = check;
	}
	return fallback;
}

/** Why a sign-in failed, told apart by the sign-in page: the login URL, the field names, or the credentials. */
async function diagnoseSignIn(cfg: Config, error: WorkbenchError): Promise<string> {
	if (error.reason === 'unreachable') return `sign-in unreachable: ${signInHints.unreachable}\n  ${error.message}`;
	const check = await inspectSignInPage(cfg);
	if (check?.verdict === 'login-url') return `sign-in failed: wrong WORKBENCH_LOGIN_URL: ${check.message}\n  ${error.message}`;
	if (check?.verdict === 'field-names') return `sign-in failed: wrong field names: ${check.message}\n  ${error.message}`;
	if (check?.verdict === 'match' && error.reason === 'refused') return `sign-in refused: wrong username or password (${check.message})\n  ${error.message}`;
	const unchecked = check ? ` (${check.message})` : ' (no sign-in page found to check the URL and field names against)';
	return `sign-in ${error.reason}: ${signInHints[error.reason]}${unchecked}\n  ${error.message}`;
}

async function signIn(cfg: Config, username: string, password: string): Promise<CookieJar | undefined> {
	const workbench = createWorkbenchClient({
		loginUrl: cfg.WORKBENCH_LOGIN_URL!,
		usernameField: cfg.WORKBENCH_USERNAME_FIELD,
		passwordField: cfg.WORKBENCH_PASSWORD_FIELD,
		csrfField: cfg.WORKBENCH_CSRF_FIELD,
		timeoutMs: cfg.FLOWDECK_REQUEST_TIMEOUT_MS
	});
	try {
		const jar = await workbench.signIn(username, password);
		ok(`signed in at the workbench as ${username}: ${jar.size} cookie(s) kept`);
		return jar;
	} catch (error) {
		if (!(error instanceof WorkbenchError)) throw error;
		bad(await diagnoseSignIn(cfg, error));
		return undefined;
	}
}

const options = {
	username: { type: 'string', value: 'NAME', description: 'sign in as NAME (per-user workbench mode); the password is read from stdin' }
} as const;

const spec = {
	command: 'npm run test:auth',
	summary: 'Check PREFECT_API_URL and the credentials of the configured auth mode (signs in at the workbench, reads flows and work pools) and say precisely what failed.',
	options,
	env: [
		'PREFECT_API_URL',
		'PREFECT_API_KEY',
		'PREFECT_API_AUTH_STRING',
		'WORKBENCH_LOGIN_URL',
		'WORKBENCH_USERNAME',
		'WORKBENCH_PASSWORD',
		'WORKBENCH_USERNAME_FIELD',
		'WORKBENCH_PASSWORD_FIELD',
		'WORKBENCH_CSRF_FIELD'
	],
	examples: ['printf %s "$PASSWORD" | npm run test:auth -- --username alice']
} satisfies CliSpec<typeof options>;

main(async () => {
	const { username } = parseCli(spec).values;
	const cfg = cliConfig();
	const mode = authModeOf(cfg);
	console.log(`Auth mode: ${describeAuthMode(mode)}`);
	console.log(`Prefect API: ${displayUrl(cfg.PREFECT_API_URL)}`);
	if (cfg.WORKBENCH_LOGIN_URL) console.log(`Workbench login: ${displayUrl(cfg.WORKBENCH_LOGIN_URL)} (fields ${cfg.WORKBENCH_USERNAME_FIELD} / ${cfg.WORKBENCH_PASSWORD_FIELD})`);

	if ((await probe(cfg.PREFECT_API_URL)).kind === 'free') {
		bad(`unreachable: nothing accepts connections at ${new URL(cfg.PREFECT_API_URL).host} (refused). Is the server (or gateway) running? (npm run prefect:server)`);
		return 1;
	}

	let credentials: UpstreamCredentials = { headers: () => apiKeyHeaders(cfg) };
	if (mode.kind === 'workbench') {
		const account = mode.account === 'service' ? cfg.WORKBENCH_USERNAME : username;
		if (!account) {
			const anonymous = await prefectClientFor(cfg, credentials)
				.serverVersion()
				.then(
					() => undefined,
					(error: unknown) => error
				);
			if (isPrefectError(anonymous, 'unauthorized')) {
				ok(`the API refuses calls without a workbench session (${anonymous.status}), as it should`);
				console.log('  To check a sign-in: npm run test:auth -- --username NAME (the password is read from stdin)');
				return 0;
			}
			bad(
				anonymous
					? `${apiDiagnosis[isPrefectError(anonymous) ? anonymous.kind : 'upstream']} (without a session)`
					: "the API answers without a workbench session: is PREFECT_API_URL the gateway's address?"
			);
			return 1;
		}
		const password = mode.account === 'service' ? cfg.WORKBENCH_PASSWORD! : await readPassword(account);
		const signedIn = await signIn(cfg, account, password);
		if (!signedIn) return 1;
		let jar = signedIn;
		if (!cookieHeader(jar, new URL(`${cfg.PREFECT_API_URL}/`), Date.now())) {
			bad(`none of the ${jar.size} cookie(s) the workbench set apply to PREFECT_API_URL: their domain, path or Secure flag does not match ${displayUrl(cfg.PREFECT_API_URL)}`);
			return 1;
		}
		credentials = jarCredentials({
			apiUrl: cfg.PREFECT_API_URL,
			keys: cfg,
			now: Date.now,
			cookies: {
				current: async () => ({ jar, generation: 0 }),
				keep: (_generation, update) => (jar = update(jar)),
				renew: async () => false
			}
		});
	}

	const prefect = prefectClientFor(cfg, credentials);
	try {
		const [version, flows, pools] = await Promise.all([prefect.serverVersion(), prefect.flows.filter(), prefect.workPools.filter()]);
		ok(`Prefect ${version} answered`);
		ok(`read ${flows.length} flow(s) and ${pools.length} work pool(s): ${pools.map((pool) => pool.name).join(', ') || '(none)'}`);
		return 0;
	} catch (error) {
		if (!isPrefectError(error)) throw error;
		const diagnosis =
			error.kind === 'unauthorized' && mode.kind === 'workbench'
				? `signed in, but the API refused the session (${error.status}): the gateway may also want PREFECT_API_KEY${mode.apiKey ? ' (a different one?)' : ''}, or its cookies do not reach PREFECT_API_URL`
				: apiDiagnosis[error.kind];
		bad(`${diagnosis}\n  ${error.message}`);
		return 1;
	}
});
