/**
 * The viewer's clock and timezone choice (reactive state, not a component): times show in the viewer's zone or in
 * UTC (a choice kept in localStorage), relative to a clock that ticks every 30 s. The server renders UTC; the
 * browser switches to its own zone once hydrated. src/lib/format.ts formats with them.
 */
const STORAGE_KEY = 'flowdeck.utc';

export const clock = $state({ now: Date.now(), utc: true, hydrated: false });

let started = false;

/** Called once from the layout in the browser. */
export function startClock(): () => void {
	if (started) return () => {};
	started = true;
	clock.utc = localStorage.getItem(STORAGE_KEY) === '1';
	clock.now = Date.now();
	clock.hydrated = true;
	const timer = setInterval(() => (clock.now = Date.now()), 30_000);
	return () => {
		clearInterval(timer);
		started = false;
	};
}

export function setUtc(utc: boolean): void {
	clock.utc = utc;
	localStorage.setItem(STORAGE_KEY, utc ? '1' : '0');
}
