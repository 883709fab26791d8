/** npm run bench -- sse|pages|etl: the benchmarks (docs/performance.md), each against a baseline measured in the same run. */
import { main, parseCli, usageError, type CliSpec } from '../scripts/lib/cli.ts';
import { benchEtl } from './etl.ts';
import { benchPages } from './pages.ts';
import { benchSse } from './sse.ts';

const spec = {
	command: 'npm run bench',
	summary:
		'Benchmarks against a real Prefect 2.13.7 and the built UI (docs/performance.md): sse — live updates (upstream requests with 1/100/500 streams, memory, latency); pages — Flowdeck vs Prefect\'s own UI per view on a seeded data set; etl — the distributed ETL vs its ideal and the PoC\'s design.',
	options: {
		rounds: { type: 'string', value: 'N', description: 'pages and etl: measurements per view or design, interleaved (pages default 5, etl default 1)' }
	},
	positionals: { name: 'BENCHMARK', description: 'the benchmark to run: sse, pages or etl' },
	examples: ['npm run bench -- sse', 'npm run bench -- pages --rounds 3', 'npm run bench -- etl']
} satisfies CliSpec<{ rounds: { type: 'string'; value: string; description: string } }>;

const { positionals, values } = parseCli(spec);
const names = ['sse', 'pages', 'etl'];
if (positionals.length !== 1 || !names.includes(positionals[0]!)) usageError(spec, `name one benchmark: ${names.join(', ')}${positionals.length ? ` (got ${positionals.join(' ')})` : ''}`);
const rounds = values.rounds === undefined ? undefined : Number(values.rounds);
if (rounds !== undefined && !(Number.isInteger(rounds) && rounds >= 1 && rounds <= 20)) usageError(spec, `--rounds must be a whole number from 1 to 20 (got ${values.rounds})`);

main(async () => {
	const name = positionals[0];
	if (name === 'sse') await benchSse();
	else if (name === 'pages') await benchPages(rounds ?? 5);
	else await benchEtl(rounds ?? 1);
	return 0;
});
