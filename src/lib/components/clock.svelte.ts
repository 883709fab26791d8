/**
 * How times are shown: in the viewer's timezone (or UTC, a choice kept in localStorage), relative to a clock
 * that ticks every 30 s. The server renders UTC; the browser switches to its own zone once hydrated.
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

/** "2024-05-01 14:03:09 UTC" or the local equivalent with the zone's short name. */
export function formatExact(iso: string, utc: boolean): string {
	const date = new Date(iso);
	if (Number.isNaN(date.getTime())) return iso;
	const parts = new Intl.DateTimeFormat('en-CA', {
		timeZone: utc ? 'UTC' : undefined,
		year: 'numeric',
		month: '2-digit',
		day: '2-digit',
		hour: '2-digit',
		minute: '2-digit',
		second: '2-digit',
		hourCycle: 'h23',
		timeZoneName: 'short'
	}).formatToParts(date);
	const get = (type: Intl.DateTimeFormatPartTypes) => parts.find((part) => part.type === type)?.value ?? '';
	return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}:${get('second')} ${get('timeZoneName')}`;
}

const units: Array<[Intl.RelativeTimeFormatUnit, number]> = [
	['day', 86_400],
	['hour', 3600],
	['minute', 60],
	['second', 1]
];
const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto', style: 'short' });

/** "3 min. ago", "in 2 hr.", "now". */
export function formatRelative(iso: string, now: number): string {
	const seconds = (Date.parse(iso) - now) / 1000;
	if (Number.isNaN(seconds)) return iso;
	if (Math.abs(seconds) < 10) return 'now';
	for (const [unit, size] of units) if (Math.abs(seconds) >= size) return relative.format(Math.round(seconds / size), unit);
	return 'now';
}
