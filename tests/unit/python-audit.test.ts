/** The audit of the flows' locks (flows/uv.lock, flows/prefect3/uv.lock) with PyPI's per-release advisories (stubbed: PyPI's data is not reachable everywhere). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, expect, test, vi } from 'vitest';
import { auditLock, lockedPackages } from '../../scripts/lib/python-audit.ts';
import { flowsDir, pythonEnvs } from '../../scripts/lib/python.ts';

afterEach(() => vi.unstubAllGlobals());

const releases = (advisories: Record<string, unknown[]>, status = 200) =>
	vi.fn(async (url: string) => {
		const [, name = '', version = ''] = /pypi\/([^/]+)\/([^/]+)\/json$/.exec(url) ?? [];
		if (status !== 200) return new Response('Not Found', { status });
		return Response.json({ info: { name, version }, vulnerabilities: advisories[`${name} ${version}`] ?? [] });
	});

test('the lock lists its registry packages, Prefect 2.13.7 among them, not the project itself', () => {
	const packages = lockedPackages(readFileSync(join(flowsDir, 'uv.lock'), 'utf8'));
	expect(packages).toContainEqual({ name: 'prefect', version: '2.13.7' });
	expect(packages.map((pkg) => pkg.name)).not.toContain('flowdeck-flows');
	expect(packages.length).toBeGreaterThan(50);
});

test('the Prefect 3 lock pins Prefect 3.9.1 with pydantic 2 for Python 3.12', () => {
	const lock = readFileSync(pythonEnvs[3].lockPath, 'utf8');
	const packages = lockedPackages(lock);
	expect(packages).toContainEqual({ name: 'prefect', version: '3.9.1' });
	expect(packages.find((pkg) => pkg.name === 'pydantic')?.version).toMatch(/^2\./);
	expect(lock).toContain('requires-python = "==3.12.*"');
});

test('advisories are reported per release; accepted ones carry their reason, withdrawn ones are ignored', async () => {
	vi.stubGlobal(
		'fetch',
		releases({
			'starlette 0.27.0': [{ id: 'GHSA-aaaa', aliases: ['CVE-2024-0001'], fixed_in: ['0.40.0'] }],
			'jinja2 3.1.6': [
				{ id: 'GHSA-bbbb', aliases: [], fixed_in: ['3.1.7'] },
				{ id: 'GHSA-old', withdrawn: '2025-01-01' }
			]
		})
	);
	const result = await auditLock({ concurrency: 4 });
	expect(result.kind).toBe('done');
	if (result.kind !== 'done') return;
	expect(result.findings).toEqual([
		{ name: 'jinja2', version: '3.1.6', ids: ['GHSA-bbbb'], fixedIn: ['3.1.7'] },
		{ name: 'starlette', version: '0.27.0', ids: ['GHSA-aaaa/CVE-2024-0001'], fixedIn: ['0.40.0'], accepted: expect.stringContaining('prefect 2.13.7 requires starlette') }
	]);
});

test("each lock is audited with its own accepted list: Prefect 2.13.7's exceptions do not cover the 3.x lock", async () => {
	vi.stubGlobal('fetch', releases({ 'prefect 3.9.1': [{ id: 'GHSA-cccc', fixed_in: ['3.9.2'] }], 'prefect 2.13.7': [{ id: 'GHSA-dddd' }] }));
	const result = await auditLock({ env: pythonEnvs[3], concurrency: 4 });
	expect(result).toMatchObject({ kind: 'done', findings: [{ name: 'prefect', version: '3.9.1', ids: ['GHSA-cccc'], fixedIn: ['3.9.2'] }] });
	expect(result.kind === 'done' && result.findings[0]?.accepted).toBeFalsy();
});

test('without per-release data (a mirror answering 404) the audit is skipped, saying why', async () => {
	vi.stubGlobal('fetch', releases({}, 404));
	expect(await auditLock()).toEqual({ kind: 'skipped', reason: 'https://pypi.org/pypi/prefect/2.13.7/json answered 404' });
});
