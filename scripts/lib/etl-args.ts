/** --tables/--seconds/--fail of the run:* scripts, checked the same way the flows check them. */
import { usageError, type CliOption } from './cli.ts';

export type EtlParams = {
	tables: number;
	seconds: number;
	fail_tables: number[];
};

export const etlOptions = {
	tables: { type: 'string', value: 'N', default: '20', description: 'number of tables, 1 to 1000' },
	seconds: { type: 'string', value: 'S', default: '30', description: 'simulated query time per table, in seconds' },
	fail: { type: 'string', value: 'LIST', description: 'table numbers that fail on purpose, e.g. 2,5' }
} as const satisfies Record<string, CliOption>;

export function parseEtlArgs(command: { command: string }, args: { tables: string; seconds: string; fail?: string }): EtlParams {
	const tables = Number(args.tables);
	const seconds = Number(args.seconds);
	if (!Number.isInteger(tables) || tables < 1 || tables > 1000) usageError(command, '--tables must be a whole number from 1 to 1000');
	if (!Number.isFinite(seconds) || seconds < 0) usageError(command, '--seconds must be a number >= 0');
	const failTables = (args.fail ?? '')
		.split(',')
		.map((part) => part.trim())
		.filter(Boolean)
		.map(Number);
	if (failTables.some((table) => !Number.isInteger(table) || table < 1 || table > tables)) {
		usageError(command, `--fail takes table numbers from 1 to ${tables}, separated by commas`);
	}
	return { tables, seconds, fail_tables: failTables };
}
