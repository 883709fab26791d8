/** A run no one executes any more (judged by src/lib/server/run-health.ts), as the run page and its stream show it. */
export interface StaleRun {
	id: string;
	name: string;
	/** Why no one will finish it, in words for the page. */
	reason: string;
	/** The last state change or log line. */
	quietSince: string;
}
