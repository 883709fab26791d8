/**
 * The documented production install (docs/deployment.md) from a clean clone (after checking that npm ci --omit=dev
 * installs too): npm ci, npm run build,
 * npm prune --omit=dev, npm start, with Node 24 on the PATH as on a server; it serves /healthz. And npm start on an
 * older Node says which Node is needed instead of failing on TypeScript. Clones the committed HEAD; reuses the npm cache.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { freePort, run, start, waitFor } from '../../scripts/lib/processes.ts';
import { repoRoot } from '../../scripts/lib/python.ts';
import { isolatedEnv } from '../helpers/flowdeck.ts';

const dir = mkdtempSync(join(tmpdir(), 'flowdeck-clone-'));
afterAll(() => rm(dir, { recursive: true, force: true }), 300_000); // a whole node_modules: slow on a loaded disk

// A server's PATH: its own Node 24 first (here: the one running the tests), no node_modules/.bin.
const serverPath = [dirname(process.execPath), ...(process.env.PATH ?? '').split(':').filter((entry) => !entry.includes('node_modules'))].join(':');
const env = isolatedEnv({ PATH: serverPath, npm_config_fund: 'false', npm_config_audit: 'false', npm_config_prefer_offline: 'true' });

const isGitCheckout = spawnSync('git', ['rev-parse', '--is-inside-work-tree'], { cwd: repoRoot }).status === 0;

test.skipIf(!isGitCheckout)('npm ci, npm run build, npm prune --omit=dev, npm start from a clean clone serve /healthz', { timeout: 900_000 }, async () => {
	execFileSync('git', ['clone', '--quiet', '--no-hardlinks', repoRoot, dir]);
	// Without dev dependencies `prepare` (svelte-kit sync) has nothing to run and must not fail the install.
	await run('npm', ['ci', '--omit=dev'], { cwd: dir, env, quiet: true });
	await run('npm', ['ci'], { cwd: dir, env, quiet: true });
	expect(existsSync(join(dir, '.svelte-kit')), 'prepare ran svelte-kit sync').toBe(true);
	// npm run test:unit works on a fresh clone (one file keeps it quick).
	expect(await run('npm', ['run', 'test:unit', '--', 'tests/unit/run-tree.test.ts'], { cwd: dir, env, onLine: () => {} })).toMatch(/Test Files.*1 passed/);
	await run('npm', ['run', 'build'], { cwd: dir, env, quiet: true });
	await run('npm', ['prune', '--omit=dev'], { cwd: dir, env, quiet: true });
	expect(existsSync(join(dir, 'node_modules/vite'))).toBe(false); // really without dev dependencies

	const port = await freePort();
	const output: string[] = [];
	const server = start('npm', ['start'], { cwd: dir, env: { ...env, PORT: String(port) }, prefix: '', onLine: (line) => output.push(line) });
	try {
		const health = await Promise.race([
			waitFor(
				'GET /healthz',
				async () => {
					const response = await fetch(`http://127.0.0.1:${port}/healthz`);
					return response.ok ? response.status : undefined;
				},
				120_000,
				500
			),
			server.exited.then((code) => {
				throw new Error(`npm start exited (${code}):\n${output.join('\n')}`);
			})
		]);
		expect(health).toBe(200);
		expect(output.join('\n')).toContain(`Flowdeck UI on http://127.0.0.1:${port}`);
	} finally {
		await server.stop();
	}
});

const oldNode = ['/usr/bin/node', '/usr/local/bin/node'].find((path) => existsSync(path) && Number(execFileSync(path, ['-p', 'process.versions.node.split(".")[0]'], { encoding: 'utf8' })) < 24);

test.skipIf(!oldNode)('npm start on an older Node names the Node it needs and the fix (exit 1)', () => {
	const result = spawnSync(oldNode!, ['scripts/start.js'], { cwd: repoRoot, env: isolatedEnv({}), encoding: 'utf8' });
	expect(result.status).toBe(1);
	expect(result.stderr).toMatch(/^✗ Flowdeck needs Node.js 24 or newer, but this is v\d+/);
	expect(result.stderr).toContain('npm rebuild node');
	expect(result.stderr).toContain('docs/deployment.md');
	expect(result.stderr).not.toContain('ERR_UNKNOWN_FILE_EXTENSION');
});
