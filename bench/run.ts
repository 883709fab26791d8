/** npm run bench -- sse | live | load | pages | etl [options]: runs one benchmark (docs/performance.md). */
import { main, parseCli, usageError, type CliSpec } from '../scripts/lib/cli.ts';
import { etlBench } from './etl.ts';
import { liveBench } from './live.ts';
import { loadBench, LOAD_LIMITS } from './load.ts';
import { PAGE_VIEWS, pagesBench, type PageView } from './pages.ts';
import { sseBench } from './sse.ts';

const MAX_ROUNDS = 20;

const options = {
	users: { type: 'string', value: 'N', default: '50', description: `load: people browsing at once (at most ${LOAD_LIMITS.users})` },
	streams: { type: 'string', value: 'N', default: '200', description: `load: live streams open meanwhile (at most ${LOAD_LIMITS.streams})` },
	seconds: { type: 'string', value: 'N', default: '60', description: `load: how long each of the two rounds browses (at most ${LOAD_LIMITS.seconds})` },
	rounds: { type: 'string', value: 'N', description: `pages, etl and live: measurements per view, design or watched run (pages: 5, etl: 1, live: 1; at most ${MAX_ROUNDS})` },
	views: { type: 'string', value: 'LIST', description: `pages: only these views, comma-separated (${PAGE_VIEWS.join(', ')}; default: all)` }
} as const;

const spec = {
	command: 'npm run bench',
	summary:
		"Benchmarks against a real Prefect 2.13.7 and the built UI, each with its baseline in the same run (docs/performance.md). sse: upstream requests with 1/100/500 streams (shared poller vs one per stream), memory per stream, event latency. live: one viewer of a running distributed ETL, Flowdeck's stream vs a tab of Prefect's own UI (upstream requests per second). load: many people browsing with many streams open, Prefect on PostgreSQL, shared reads off vs on. pages: Flowdeck vs Prefect's own UI per view on a seeded data set (time to content, bytes, requests). etl: the distributed ETL (12 tables x 2 s, 3 workers, limit 3) vs its ideal and the PoC's design.",
	options,
	positionals: { name: 'BENCHMARK', description: 'sse, live, load, pages or etl' },
	examples: [
		'npm run bench -- sse',
		'npm run bench -- live --rounds 3',
		'npm run bench -- load --users 50 --streams 200 --seconds 60',
		'npm run bench -- pages --rounds 3',
		'npm run bench -- pages --views runs,run-children',
		'npm run bench -- etl'
	]
} satisfies CliSpec<typeof options>;

const benchmarks = ['sse', 'live', 'load', 'pages', 'etl'];
const { values, positionals } = parseCli(spec);
const [which, ...extra] = positionals;
if (extra.length || !which || !benchmarks.includes(which)) usageError(spec, `name one benchmark: ${benchmarks.join(', ')}${positionals.length ? ` (got ${positionals.join(' ')})` : ''}`);
const whole = (name: keyof typeof LOAD_LIMITS) => {
	const value = Number(values[name]);
	if (!Number.isInteger(value) || value < 1 || value > LOAD_LIMITS[name]) usageError(spec, `--${name} must be a whole number from 1 to ${LOAD_LIMITS[name]}`);
	return value;
};
const load = { users: whole('users'), streams: whole('streams'), seconds: whole('seconds') };
const rounds = values.rounds === undefined ? undefined : Number(values.rounds);
if (rounds !== undefined && !(Number.isInteger(rounds) && rounds >= 1 && rounds <= MAX_ROUNDS)) usageError(spec, `--rounds must be a whole number from 1 to ${MAX_ROUNDS}`);
const views = values.views === undefined ? [...PAGE_VIEWS] : values.views.split(',').map((view) => view.trim());
const unknownViews = views.filter((view) => !(PAGE_VIEWS as readonly string[]).includes(view));
if (views.length === 0 || unknownViews.length) usageError(spec, `--views takes a comma-separated list of ${PAGE_VIEWS.join(', ')} (got ${unknownViews.join(', ') || 'none'})`);
main(async () => {
	if (which === 'sse') await sseBench();
	else if (which === 'live') await liveBench(rounds ?? 1);
	else if (which === 'load') await loadBench(load);
	else if (which === 'pages') await pagesBench(rounds ?? 5, views as PageView[]);
	else await etlBench(rounds ?? 1);
	return 0;
});
