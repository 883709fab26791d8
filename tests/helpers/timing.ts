/**
 * Time budgets derived from what a test waits for, with room for a slow machine: tests wait for conditions up to
 * these bounds and never assert timings. Every flow run on a worker is a new Python process importing Prefect
 * (~10 s of one idle core); the suite's own machine has 2 cores shared with other work, so budgets allow
 * FLOWDECK_TEST_SLOWDOWN (default 8) times the idle cost.
 */
export const SLOWDOWN = Number(process.env.FLOWDECK_TEST_SLOWDOWN || 8);

const PROCESS_START_MS = 10_000;
const CORES = 2;
const TAG_LIMIT = 3; // PREFECT_CONCURRENCY_LIMIT of the test stack's `database` tag

/** Until a run of `tables` tables of `seconds` each is final: its own process, the tables' processes, the queries. */
export function runBudgetMs({ tables, seconds }: { tables: number; seconds: number }): number {
	const processes = PROCESS_START_MS * (1 + Math.ceil(tables / CORES));
	const queries = Math.ceil(tables / TAG_LIMIT) * seconds * 1000;
	return SLOWDOWN * (processes + queries);
}

/** Page loads, setup calls and the other short steps of one test, on a slow machine. */
export const STEPS_MS = 60_000;

/** A test's own timeout: the longest things it waits for, one after the other, plus its short steps. */
export const testBudgetMs = (...waitsMs: number[]): number => waitsMs.reduce((sum, wait) => sum + wait, STEPS_MS);
