/** npm run bench -- sse | load [options]: runs one benchmark (docs/performance.md). */
import { loadBench } from './load.ts';
import { sseBench } from './sse.ts';

const usage = 'usage: npm run bench -- sse | load [--users N] [--streams N] [--seconds N]';
const [which, ...rest] = process.argv.slice(2);
try {
	if (which === 'sse' && rest.length === 0) await sseBench();
	else if (which === 'load') await loadBench(rest);
	else if (which === '--help' || which === '-h') console.log(usage);
	else {
		console.error(usage);
		process.exit(2);
	}
} catch (error) {
	console.error(`\u2717 ${error instanceof Error ? error.message : String(error)}`);
	process.exit(1);
}
process.exit(0);
