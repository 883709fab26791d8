/**
 * Debian packages the tests need (Chromium for Playwright, Apache httpd for the gateway, PostgreSQL for the
 * contention test, redis-server for the shared session store), installed when missing.
 */
import { existsSync } from 'node:fs';
import { run } from './processes.ts';

const required = [
	{ pkg: 'chromium', file: '/usr/bin/chromium' },
	{ pkg: 'apache2', file: '/usr/sbin/apache2' },
	{ pkg: 'apache2-utils', file: '/usr/bin/htpasswd' },
	{ pkg: 'postgresql', file: '/usr/lib/postgresql/15/bin/initdb' },
	{ pkg: 'redis-server', file: '/usr/bin/redis-server' }
];

export async function ensureSystemPackages(): Promise<void> {
	const missing = required.filter(({ file }) => !existsSync(file)).map(({ pkg }) => pkg);
	if (missing.length === 0) return;
	if (process.getuid?.() !== 0 || !existsSync('/usr/bin/apt-get')) {
		throw new Error(`missing system packages: ${missing.join(' ')}; install them (Debian: sudo apt-get install -y ${missing.join(' ')})`);
	}
	console.log(`installing system packages: ${missing.join(' ')} (apt-get)…`);
	const env = { DEBIAN_FRONTEND: 'noninteractive' };
	// Waits for the dpkg lock when another install runs (CI images, unattended-upgrades) instead of failing at once.
	const lock = ['-o', 'DPkg::Lock::Timeout=600'];
	await run('apt-get', [...lock, 'update', '-qq'], { env, quiet: true });
	await run('apt-get', [...lock, 'install', '-y', '-qq', '--no-install-recommends', ...missing], { env, quiet: true });
}
