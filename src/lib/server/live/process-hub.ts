/** The process's live hub, configured once from the environment. */
import { config } from '../config.ts';
import { LiveHub } from './hub.ts';

let hub: LiveHub | undefined;

export function liveHub(): LiveHub {
	const cfg = config();
	hub ??= new LiveHub({ activeMs: cfg.FLOWDECK_LIVE_ACTIVE_MS, idleMs: cfg.FLOWDECK_LIVE_IDLE_MS, sharedPollers: cfg.FLOWDECK_LIVE_POLLERS === 'shared' });
	return hub;
}
