/**
 * npm run test:auth in every mode, and the TypeScript npm scripts through the workbench, against the real Prefect
 * server and the real gateway in both shapes.
 */
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../scripts/lib/python.ts';
import { freePort } from '../../scripts/lib/processes.ts';
import { isolatedEnv } from '../helpers/flowdeck.ts';
import { startGateway, type Gateway } from '../helpers/gateway.ts';
import { testApiUrl, testServerVersion } from '../helpers/stack.ts';

const users = { svc: 'svc-Secret-9', alice: 'alice-Secret-1' };
const apiKey = 'flowdeck-test-key-5f1c';

/** Runs an npm script's file; answers its exit code and everything it printed. */
function runScript(script: string, env: Record<string, string>, args: string[] = [], stdin = ''): Promise<{ code: number | null; output: string }> {
	return new Promise((resolvePromise, reject) => {
		const child = spawn(process.execPath, [script, ...args], { cwd: repoRoot, env: isolatedEnv(env), stdio: ['pipe', 'pipe', 'pipe'] });
		let output = '';
		child.stdout.on('data', (chunk: Buffer) => (output += chunk));
		child.stderr.on('data', (chunk: Buffer) => (output += chunk));
		child.once('error', reject);
		child.once('close', (code) => resolvePromise({ code, output }));
		child.stdin.end(stdin);
	});
}

const testAuth = (env: Record<string, string>, args: string[] = [], stdin = '') => runScript('scripts/test-auth.ts', env, args, stdin);

let a: Gateway;
let b: Gateway;
let c: Gateway;
const via = (gateway: Gateway, extra: Record<string, string> = {}) => ({
	PREFECT_API_URL: gateway.apiUrl,
	WORKBENCH_LOGIN_URL: gateway.loginUrl,
	WORKBENCH_USERNAME_FIELD: gateway.usernameField,
	WORKBENCH_PASSWORD_FIELD: gateway.passwordField,
	...extra
});
const service = { WORKBENCH_USERNAME: 'svc', WORKBENCH_PASSWORD: users.svc };

beforeAll(async () => {
	a = await startGateway({ shape: 'a', upstreamApiUrl: testApiUrl(), users });
	b = await startGateway({ shape: 'b', upstreamApiUrl: testApiUrl(), users, apiKey });
	c = await startGateway({ shape: 'c', upstreamApiUrl: testApiUrl(), users });
});
afterAll(async () => {
	await a?.stop();
	await b?.stop();
	await c?.stop();
});

describe('npm run test:auth', () => {
	it.each([
		['none', {}],
		['API key', { PREFECT_API_KEY: apiKey }]
	])('reads flows and work pools directly from Prefect in mode %s', async (mode, extra) => {
		const { code, output } = await testAuth({ PREFECT_API_URL: testApiUrl(), ...extra });
		expect(output).toContain(`Auth mode: ${mode}`);
		expect(output).toContain(`✓ Prefect ${testServerVersion()} answered`);
		expect(output).toMatch(/✓ read \d+ flow\(s\) and \d+ work pool\(s\): .*default-pool/);
		expect(code).toBe(0);
	});

	it('signs in as the service account through gateway (a) and reads through it', async () => {
		const { code, output } = await testAuth(via(a, service));
		expect(output).toContain('Auth mode: workbench service account');
		expect(output).toContain('✓ signed in at the workbench as svc: 1 cookie(s) kept');
		expect(output).toMatch(/default-pool/);
		expect(code).toBe(0);
	});

	it('keeps both cookies of gateway (b) and combines them with the API key', async () => {
		const { code, output } = await testAuth(via(b, { ...service, PREFECT_API_KEY: apiKey }));
		expect(output).toContain('Auth mode: workbench service account + API key');
		expect(output).toContain('2 cookie(s) kept');
		expect(output).toContain(`✓ Prefect ${testServerVersion()} answered`);
		expect(code).toBe(0);
	});

	it('says the API refused the session when gateway (b) also wants a key', async () => {
		const { code, output } = await testAuth(via(b, service));
		expect(output).toContain('✓ signed in at the workbench as svc');
		expect(output).toContain('✗ signed in, but the API refused the session (403): the gateway may also want PREFECT_API_KEY');
		expect(code).toBe(1);
	});

	it('per user: checks that the API refuses anonymous calls, and signs in with --username and a password on stdin', async () => {
		const anonymous = await testAuth(via(a));
		expect(anonymous.output).toContain('Auth mode: workbench sign-in (per user)');
		expect(anonymous.output).toContain('✓ the API refuses calls without a workbench session (401), as it should');
		expect(anonymous.code).toBe(0);

		const signedIn = await testAuth(via(a), ['--username', 'alice'], `${users.alice}\n`);
		expect(signedIn.output).toContain('✓ signed in at the workbench as alice');
		expect(signedIn.output).toContain(`✓ Prefect ${testServerVersion()} answered`);
		expect(signedIn.code).toBe(0);
	});

	it('diagnoses a wrong password, an unreachable workbench and cookies that do not reach the API', async () => {
		const refused = await testAuth(via(a, { ...service, WORKBENCH_PASSWORD: 'wrong' }));
		expect(refused.output).toContain('✗ sign-in refused: check the username and password');
		expect(refused.code).toBe(1);

		const port = await freePort();
		const unreachable = await testAuth(via(a, { ...service, WORKBENCH_LOGIN_URL: `http://127.0.0.1:${port}/login` }));
		expect(unreachable.output).toMatch(/✗ sign-in unreachable: check WORKBENCH_LOGIN_URL.*\n.*ECONNREFUSED/);
		expect(unreachable.code).toBe(1);

		// The login answers on 127.0.0.1, the API is addressed as localhost: host-only cookies do not apply.
		const elsewhere = await testAuth(via(a, { ...service, PREFECT_API_URL: a.apiUrl.replace('127.0.0.1', 'localhost') }));
		expect(elsewhere.output).toContain('✗ none of the 1 cookie(s) the workbench set apply to PREFECT_API_URL');
		expect(elsewhere.code).toBe(1);
	});

	it('tells a wrong login URL, wrong field names and a wrong password apart by the sign-in page (gateway c)', async () => {
		const ok = await testAuth(via(c, service));
		expect(ok.output).toContain('2 cookie(s) kept');
		expect(ok.code).toBe(0);

		// This gateway answers 403 to a POST at another path and 401 to unknown fields, like a wrong password.
		const wrongUrl = await testAuth(via(c, { ...service, WORKBENCH_LOGIN_URL: `${c.origin}/sso/login` }));
		expect(wrongUrl.output).toContain(`✗ sign-in failed: wrong WORKBENCH_LOGIN_URL: the sign-in form on ${c.origin}/sso/sign-in posts to ${c.loginUrl}, not to WORKBENCH_LOGIN_URL`);
		expect(wrongUrl.code).toBe(1);

		const wrongFields = await testAuth(via(c, { ...service, WORKBENCH_USERNAME_FIELD: 'username', WORKBENCH_PASSWORD_FIELD: 'password' }));
		expect(wrongFields.output).toContain('✗ sign-in failed: wrong field names:');
		expect(wrongFields.output).toContain('has no field username or password (its fields: login, secret): set WORKBENCH_USERNAME_FIELD=login WORKBENCH_PASSWORD_FIELD=secret');
		expect(wrongFields.code).toBe(1);

		const wrongPassword = await testAuth(via(c, { WORKBENCH_USERNAME: 'svc', WORKBENCH_PASSWORD: 'not-the-password' }));
		expect(wrongPassword.output).toContain('✗ sign-in refused: wrong username or password (the sign-in form on');
		expect(wrongPassword.code).toBe(1);
		for (const { output } of [ok, wrongUrl, wrongFields, wrongPassword]) for (const secret of [users.svc, 'not-the-password', 'wc_session=']) expect(output).not.toContain(secret);
	});

	it('never prints a password, cookie or key', async () => {
		const runs = await Promise.all([testAuth(via(b, { ...service, PREFECT_API_KEY: apiKey })), testAuth(via(a), ['--username', 'alice'], `${users.alice}\n`)]);
		for (const { output } of runs) {
			for (const secret of [...Object.values(users), apiKey, 'gw_session=', 'wb_session=', 'wb_route=']) expect(output).not.toContain(secret);
		}
	});
});

describe('npm scripts through the workbench', () => {
	it('prefect:setup signs in as the service account (with the key gateway (b) wants) and finds the setup in place', async () => {
		const { code, output } = await runScript('scripts/prefect-setup.ts', via(b, { ...service, PREFECT_API_KEY: apiKey }));
		expect(output).toContain('✓ work pool default-pool: found');
		expect(code).toBe(0);
		expect((await b.logins()).succeeded).toBeGreaterThan(0);
	});
});
