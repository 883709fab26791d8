/** Shared start-up of the npm scripts: validated configuration, a Prefect client, readable failures. */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { createAuth, sharedCredentials } from '#lib/auth/auth.ts';
import type { PrefectClient } from '#lib/prefect/client.ts';
import { isPrefectError } from '#lib/prefect/errors.ts';
import { config, ConfigError, type Config } from '#lib/server/config.ts';
import { prefectClientFor } from '#lib/server/prefect.ts';
import { isShuttingDown } from './processes.ts';

export function cliConfig(): Config {
	try {
		return config();
	} catch (error) {
		if (error instanceof ConfigError) fail(error.message, 2);
		throw error;
	}
}

/** A client with the environment's credentials: the API key and, in service-account mode, the workbench sign-in. */
export function cliClient(cfg: Config): PrefectClient {
	return prefectClientFor(cfg, sharedCredentials(createAuth(cfg)));
}

export function cliArgs<T extends ParseArgsConfig['options']>(options: T) {
	try {
		return parseArgs({ options, allowPositionals: false, strict: true }).values;
	} catch (error) {
		fail(error instanceof Error ? error.message : String(error), 2);
	}
}

export function fail(message: string, code = 1): never {
	console.error(`\u2717 ${message}`);
	process.exit(code);
}

/** Runs a script's main; Prefect and other errors end it with one clear line, not a stack trace. */
export function main(body: () => Promise<number | void>): void {
	body().then(
		(code) => {
			// During a Ctrl-C shutdown a child exiting ends main early: let the shutdown finish and exit.
			if (!isShuttingDown()) process.exit(code ?? 0);
		},
		(error: unknown) => {
			if (!isShuttingDown()) fail(isPrefectError(error) || error instanceof Error ? error.message : String(error));
		}
	);
}

export function progressBar(done: number, total: number, width = 24): string {
	const filled = total === 0 ? 0 : Math.round((done / total) * width);
	return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}
