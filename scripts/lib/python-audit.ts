/**
 * Audits a flows lock (flows/uv.lock for Prefect 2.13.7, flows/prefect3/uv.lock for 3.x) for known vulnerabilities with PyPI's JSON API, which lists the advisories of each release
 * (https://pypi.org/pypi/NAME/VERSION/json, field `vulnerabilities`, from the OSV database). Packages the flows
 * cannot lift (Prefect 2.13.7 pins them) are accepted in the vulnerabilities-accepted.json beside the lock with the
 * reason, for that version only: a lifted or changed version is audited again.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pythonEnvs, type PythonEnv } from './python.ts';

export interface LockedPackage {
	name: string;
	version: string;
}

export interface Finding extends LockedPackage {
	ids: string[];
	fixedIn: string[];
	/** Why it is accepted (flows/vulnerabilities-accepted.json), if it is. */
	accepted?: string;
}

export type AuditResult = { kind: 'skipped'; reason: string } | { kind: 'done'; audited: number; findings: Finding[] };

/** Registry packages of the lock (the project itself is not one). */
export function lockedPackages(lockText: string): LockedPackage[] {
	return [...lockText.matchAll(/\[\[package\]\]\nname = "([^"]+)"\nversion = "([^"]+)"\nsource = \{ registry/g)].map(([, name, version]) => ({ name: name!, version: version! }));
}

type Accepted = Record<string, { version: string; reason: string }>;

async function releaseVulnerabilities(pkg: LockedPackage, timeoutMs: number): Promise<Array<{ id: string; aliases?: string[]; fixed_in?: string[]; withdrawn?: string | null }>> {
	const response = await fetch(`https://pypi.org/pypi/${encodeURIComponent(pkg.name)}/${encodeURIComponent(pkg.version)}/json`, { signal: AbortSignal.timeout(timeoutMs) });
	if (!response.ok) throw new Error(`https://pypi.org/pypi/${pkg.name}/${pkg.version}/json answered ${response.status}`);
	const body = (await response.json()) as { vulnerabilities?: Array<{ id: string; aliases?: string[]; fixed_in?: string[]; withdrawn?: string | null }> };
	if (!Array.isArray(body.vulnerabilities)) throw new Error(`https://pypi.org/pypi/${pkg.name}/${pkg.version}/json has no vulnerabilities field`);
	return body.vulnerabilities.filter((entry) => !entry.withdrawn);
}

/** Audits the lock of one Python environment (default: Prefect 2.13.7's). */
export async function auditLock(options: { env?: PythonEnv; timeoutMs?: number; concurrency?: number } = {}): Promise<AuditResult> {
	const env = options.env ?? pythonEnvs[2];
	const packages = lockedPackages(readFileSync(env.lockPath, 'utf8'));
	const accepted = JSON.parse(readFileSync(join(env.projectDir, 'vulnerabilities-accepted.json'), 'utf8')) as Accepted;
	const timeoutMs = options.timeoutMs ?? 15_000;
	// One release every lock has answers first: when it cannot, the source is not reachable from here.
	const probe = packages.find((pkg) => pkg.name === 'prefect') ?? packages[0];
	if (!probe) return { kind: 'done', audited: 0, findings: [] };
	try {
		await releaseVulnerabilities(probe, timeoutMs);
	} catch (error) {
		return { kind: 'skipped', reason: error instanceof Error ? error.message : String(error) };
	}
	const findings: Finding[] = [];
	const queue = [...packages];
	const worker = async () => {
		for (let pkg = queue.shift(); pkg; pkg = queue.shift()) {
			const vulnerabilities = await releaseVulnerabilities(pkg, timeoutMs);
			if (!vulnerabilities.length) continue;
			const exception = accepted[pkg.name];
			findings.push({
				...pkg,
				ids: vulnerabilities.map((entry) => [entry.id, ...(entry.aliases ?? []).filter((alias) => alias.startsWith('CVE-'))].join('/')),
				fixedIn: [...new Set(vulnerabilities.flatMap((entry) => entry.fixed_in ?? []))],
				...(exception?.version === pkg.version ? { accepted: exception.reason } : {})
			});
		}
	};
	await Promise.all(Array.from({ length: options.concurrency ?? 6 }, worker));
	findings.sort((a, b) => a.name.localeCompare(b.name));
	return { kind: 'done', audited: packages.length, findings };
}
