/**
 * With FLOWDECK_RELEASE_LEAKED_SLOTS=true, the Flowdeck server checks every FLOWDECK_SLOT_CHECK_SECONDS that each
 * tag concurrency limit is held only by live task runs, and releases the rest (one log line per release). Prefect
 * 2.13.7 never frees a slot whose task run died without reporting (a killed worker or flow-run process), so
 * without this every later run of the tag can stall. It calls Prefect with the shared credentials (none, API key,
 * or the service account): in per-user sign-in mode it has none and says so once.
 */
import { sharedCredentials, auth } from '#lib/auth/auth.ts';
import type { PrefectClient } from '#lib/prefect/client.ts';
import { describeRelease, releaseLeakedSlots } from './concurrency.ts';
import { config } from './config.ts';
import { prefectClientFor } from './prefect.ts';

/** One pass over every limit; returns the log lines of the slots it released. */
export async function reconcileSlots(prefect: PrefectClient): Promise<string[]> {
	const limits = await prefect.concurrencyLimits.filter({});
	const lines: string[] = [];
	for (const limit of limits) {
		if (limit.active_slots.length === 0) continue;
		lines.push(...describeRelease(await releaseLeakedSlots(prefect, limit.tag)));
	}
	return lines;
}

let timer: ReturnType<typeof setTimeout> | undefined;

/** Starts the reconciler once per process when enabled; a no-op otherwise. */
export function startSlotReconciler(log: (line: string) => void = console.log): void {
	const cfg = config();
	if (!cfg.FLOWDECK_RELEASE_LEAKED_SLOTS || timer) return;
	// Fresh reads: it acts on what it reads (a holder seen a second late could lose its slot).
	const prefect = prefectClientFor(cfg, sharedCredentials(auth()), { fresh: true });
	let lastError = '';
	const tick = async () => {
		try {
			for (const line of await reconcileSlots(prefect)) log(line);
			lastError = '';
		} catch (error) {
			const message = error instanceof Error ? error.message : String(error);
			if (message !== lastError) log(`[flowdeck] could not check concurrency slots: ${message}`);
			lastError = message;
		}
		timer = setTimeout(tick, cfg.FLOWDECK_SLOT_CHECK_SECONDS * 1000);
		timer.unref();
	};
	log(`[flowdeck] releasing leaked concurrency slots every ${cfg.FLOWDECK_SLOT_CHECK_SECONDS} s`);
	timer = setTimeout(tick, 0);
	timer.unref();
}
