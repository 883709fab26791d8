/** --tables/--seconds/--fail of the run:* scripts, checked the same way the flows check them. */
import { fail } from './cli.ts';

export type EtlParams = {
	tables: number;
	seconds: number;
	fail_tables: number[];
};

export function parseEtlArgs(args: { tables?: string; seconds?: string; fail?: string }): EtlParams {
	const tables = Number(args.tables ?? 20);
	const seconds = Number(args.seconds ?? 30);
	if (!Number.isInteger(tables) || tables < 1 || tables > 1000) fail('--tables must be a whole number from 1 to 1000', 2);
	if (!Number.isFinite(seconds) || seconds < 0) fail('--seconds must be a number >= 0', 2);
	const failTables = (args.fail ?? '')
		.split(',')
		.map((part) => part.trim())
		.filter(Boolean)
		.map(Number);
	if (failTables.some((table) => !Number.isInteger(table) || table < 1 || table > tables)) {
		fail(`--fail takes table numbers from 1 to ${tables}, separated by commas`, 2);
	}
	return { tables, seconds, fail_tables: failTables };
}
