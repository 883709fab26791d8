/** A throw-away redis-server for tests: a free port on 127.0.0.1, its own config, no persistence, a temp dir that stop() removes. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort, start, waitFor } from '../../scripts/lib/processes.ts';

export interface TestRedis {
	url: string;
	/** A client for looking at what is stored (quit by stop()). */
	client: Redis;
	stop: () => Promise<void>;
}

export async function startRedis(): Promise<TestRedis> {
	const dir = mkdtempSync(join(tmpdir(), 'flowdeck-redis-'));
	const port = await freePort();
	const config = join(dir, 'redis.conf');
	writeFileSync(config, [`port ${port}`, 'bind 127.0.0.1', 'protected-mode yes', `dir ${dir}`, 'save ""', 'appendonly no', 'daemonize no', 'logfile ""'].join('\n') + '\n');
	const output: string[] = [];
	const server = start('redis-server', [config], { prefix: '', onLine: (line) => output.push(line) });
	const url = `redis://127.0.0.1:${port}/0`;
	const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
	client.on('error', () => {}); // refused until the server is up: the PING below fails and is retried
	const stop = async () => {
		client.disconnect();
		await server.stop();
		rmSync(dir, { recursive: true, force: true });
	};
	try {
		await Promise.race([
			waitFor('redis-server to answer PING', async () => ((await client.ping()) === 'PONG' ? true : undefined), 15_000, 100),
			server.exited.then((code) => {
				throw new Error(`redis-server exited during start-up (exit ${code}):\n${output.join('\n')}`);
			})
		]);
	} catch (error) {
		await stop();
		throw error;
	}
	return { url, client, stop };
}
