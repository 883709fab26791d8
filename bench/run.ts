/** npm run bench -- sse | load [options]: runs one benchmark (docs/performance.md). */
import { main, parseCli, usageError, type CliSpec } from '../scripts/lib/cli.ts';
import { loadBench, LOAD_LIMITS } from './load.ts';
import { sseBench } from './sse.ts';

const options = {
	users: { type: 'string', value: 'N', default: '50', description: `load: people browsing at once (at most ${LOAD_LIMITS.users})` },
	streams: { type: 'string', value: 'N', default: '200', description: `load: live streams open meanwhile (at most ${LOAD_LIMITS.streams})` },
	seconds: { type: 'string', value: 'N', default: '60', description: `load: how long each of the two rounds browses (at most ${LOAD_LIMITS.seconds})` }
} as const;

const spec = {
	command: 'npm run bench',
	summary:
		'Benchmarks against a real Prefect 2.13.7 and the built UI, each with its baseline in the same run (docs/performance.md). sse: upstream requests with 1/100/500 streams (shared poller vs one per stream), memory per stream, event latency. load: many people browsing with many streams open, Prefect on PostgreSQL, shared reads off vs on.',
	options,
	positionals: { name: 'BENCHMARK', description: 'sse or load' },
	examples: ['npm run bench -- sse', 'npm run bench -- load --users 50 --streams 200 --seconds 60']
} satisfies CliSpec<typeof options>;

const { values, positionals } = parseCli(spec);
const [which, ...extra] = positionals;
if (extra.length || (which !== 'sse' && which !== 'load')) usageError(spec, `name one benchmark: sse or load${positionals.length ? ` (got ${positionals.join(' ')})` : ''}`);
const whole = (name: keyof typeof LOAD_LIMITS) => {
	const value = Number(values[name]);
	if (!Number.isInteger(value) || value < 1 || value > LOAD_LIMITS[name]) usageError(spec, `--${name} must be a whole number from 1 to ${LOAD_LIMITS[name]}`);
	return value;
};
const load = { users: whole('users'), streams: whole('streams'), seconds: whole('seconds') };
main(async () => {
	if (which === 'sse') await sseBench();
	else await loadBench(load);
	return 0;
});
