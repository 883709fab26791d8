/**
 * Shared start-up of the npm scripts: one declarative description per script gives its --help, its option
 * parsing (unknown options refused, listing the valid ones), the validated configuration, a Prefect client that
 * says when Prefect is unreachable, Ctrl-C handling (children stopped, exit 130) and readable failures.
 */
import { parseArgs } from 'node:util';
import { createAuth, sharedCredentials } from '#lib/auth/auth.ts';
import type { PrefectClient } from '#lib/prefect/client.ts';
import { isPrefectError } from '#lib/prefect/errors.ts';
import { config, ConfigError, parseConfig, type Config } from '#lib/server/config.ts';
import { prefectClientFor } from '#lib/server/prefect.ts';
import { majorOfVersion } from './prefect-env.ts';
import { handleSignals, isShuttingDown } from './processes.ts';
import type { PrefectMajor } from './python.ts';

export type CliOption =
	{ type: 'string'; short?: string; /** placeholder in the help, e.g. N */ value: string; default?: string; description: string } | { type: 'boolean'; short?: string; description: string };

export interface CliSpec<O extends Record<string, CliOption>> {
	/** How people call it, e.g. "npm run workers". */
	command: string;
	/** One line: what it does (also the README's "Command line" table). */
	summary: string;
	options: O;
	/** Free arguments after the options (e.g. test files); refused when absent. */
	positionals?: { name: string; description: string };
	/** Configuration variables that matter to this script (descriptions; defaults come from the config schema). */
	env?: string[];
	/** Other environment variables this script reads, with what they do. */
	otherEnv?: Record<string, string>;
	examples: string[];
	/** Extra paragraphs after the summary. */
	notes?: string[];
}

type Values<O extends Record<string, CliOption>> = {
	[K in keyof O]: O[K] extends { type: 'boolean' } ? boolean : O[K] extends { default: string } ? string : string | undefined;
};

const flag = (name: string, option: CliOption) => `${option.short ? `-${option.short}, ` : '    '}--${name}${option.type === 'string' ? ` ${option.value}` : ''}`;

/** The --help text of a script. */
export function helpText<O extends Record<string, CliOption>>(spec: CliSpec<O>): string {
	const all: Array<[string, CliOption]> = [...Object.entries(spec.options), ['help', { type: 'boolean', short: 'h', description: 'show this help' }]];
	const width = Math.max(...all.map(([name, option]) => flag(name, option).length));
	const options = all.map(([name, option]) => {
		const fallback = option.type === 'string' && option.default !== undefined ? ` (default: ${option.default})` : '';
		return `  ${flag(name, option).padEnd(width)}  ${option.description}${fallback}`;
	});
	const defaults = parseConfig({});
	const env = (spec.env ?? []).map((name) => {
		const fallback = defaults[name as keyof Config];
		return [name, `default: ${fallback === undefined ? '(none)' : String(fallback)}`] as const;
	});
	const others = Object.entries(spec.otherEnv ?? {});
	const envWidth = Math.max(0, ...[...env, ...others].map(([name]) => name.length));
	const usage = `${spec.command}${Object.keys(spec.options).length ? ' -- [options]' : ''}${spec.positionals ? ` [${spec.positionals.name}...]` : ''}`;
	const sections = [
		`Usage: ${usage}`,
		[spec.summary, ...(spec.notes ?? [])].join('\n\n'),
		`Options:\n${options.join('\n')}`,
		spec.positionals ? `Arguments:\n  ${spec.positionals.name}  ${spec.positionals.description}` : '',
		env.length || others.length ? `Environment (also read from .env; docs/configuration.md):\n${[...env, ...others].map(([name, text]) => `  ${name.padEnd(envWidth)}  ${text}`).join('\n')}` : '',
		`Example${spec.examples.length > 1 ? 's' : ''}:\n${spec.examples.map((line) => `  ${line}`).join('\n')}`
	];
	return `${sections.filter(Boolean).join('\n\n')}\n`;
}

/**
 * Parses the command line against the script's description: -h/--help prints the help and exits 0; an unknown
 * option, a missing value or an unexpected argument exits 2 naming the valid options.
 */
export function parseCli<O extends Record<string, CliOption>>(spec: CliSpec<O>, argv = process.argv.slice(2)): { values: Values<O>; positionals: string[] } {
	const options = Object.fromEntries(
		[...Object.entries(spec.options), ['help', { type: 'boolean', short: 'h' }] as const].map(([name, option]) => [
			name,
			{ type: option.type, ...(option.short ? { short: option.short } : {}), ...('default' in option && option.default !== undefined ? { default: option.default } : {}) }
		])
	);
	const valid = () => [...Object.entries(spec.options).map(([name, option]) => `${option.short ? `-${option.short}/` : ''}--${name}`), '-h/--help'].join(', ');
	let parsed;
	try {
		parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
	} catch (error) {
		const code = (error as { code?: string }).code;
		const text = error instanceof Error ? error.message : String(error);
		const option = /'(-[^' ]+)/.exec(text)?.[1] ?? '';
		const message = code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? `unknown option ${option}` : code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' ? `${option} needs a value` : text;
		usageError(spec, `${message}; valid options: ${valid()}`);
	}
	if (parsed.values.help) {
		process.stdout.write(helpText(spec));
		process.exit(0);
	}
	if (parsed.positionals.length && !spec.positionals) usageError(spec, `unexpected argument ${parsed.positionals[0]}; valid options: ${valid()}`);
	const { help: _help, ...values } = parsed.values;
	return { values: values as Values<O>, positionals: parsed.positionals };
}

/** A bad command line: the reason, where to find help, exit 2. */
export function usageError(spec: { command: string }, message: string): never {
	fail(`${message}\n  (${spec.command} -- --help shows the usage)`, 2);
}

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

/** The client, once Prefect answered: otherwise exits saying it is unreachable (not "deployment not found"). */
export async function reachablePrefect(cfg: Config): Promise<PrefectClient> {
	const prefect = cliClient(cfg);
	await prefect.serverVersion().catch((error: unknown) => {
		if (isPrefectError(error, 'unreachable') || isPrefectError(error, 'timeout')) {
			fail(`${error.message}: is it running? Start a local one with npm run prefect:server, or set PREFECT_API_URL`);
		}
		throw error;
	});
	return prefect;
}

/**
 * The reachable server and its Prefect major version (GET /api/admin/version): which Python environment deploys
 * to it and runs its workers and flows. Any other version ends the script with a clear line.
 */
export async function reachableServerMajor(cfg: Config): Promise<{ prefect: PrefectClient; major: PrefectMajor }> {
	const prefect = await reachablePrefect(cfg);
	const version = await prefect.serverVersion();
	const major = majorOfVersion(version);
	if (major === undefined) fail(`the Prefect server at ${cfg.PREFECT_API_URL} runs Prefect ${version}; Flowdeck's flows and tooling run on Prefect 2.13.7 and 3.x`, 2);
	return { prefect, major };
}

export function fail(message: string, code = 1): never {
	console.error(`\u2717 ${message}`);
	process.exit(code);
}

/**
 * Runs a script's main; Prefect and other errors end it with one clear line, not a stack trace. Ctrl-C
 * (SIGINT) and SIGTERM stop every child process the script started and exit 130/143.
 */
export function main(body: () => Promise<number | void>): void {
	handleSignals();
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

/** "1 worker", "3 workers". */
export const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

export function progressBar(done: number, total: number, width = 24): string {
	const filled = total === 0 ? 0 : Math.round((done / total) * width);
	return `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
}
