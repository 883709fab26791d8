/**
 * How values are shown, in one place for the server and the browser: durations, schedules, log level names,
 * exact and relative times. Pure functions of their arguments (no imports), so any layer may use them.
 */

export const logLevels = [
	{ level: 10, name: 'DEBUG' },
	{ level: 20, name: 'INFO' },
	{ level: 30, name: 'WARNING' },
	{ level: 40, name: 'ERROR' },
	{ level: 50, name: 'CRITICAL' }
] as const;

export function levelName(level: number): string {
	return [...logLevels].reverse().find((known) => level >= known.level)?.name ?? 'NOTSET';
}

/** Prefect 2 schedules are one of interval (seconds), cron or rrule, each with an optional timezone. */
export function describeSchedule(schedule: Record<string, unknown> | null): string | null {
	if (!schedule) return null;
	const zone = typeof schedule.timezone === 'string' ? ` (${schedule.timezone})` : '';
	if (typeof schedule.interval === 'number') return `every ${formatDuration(schedule.interval)}`;
	if (typeof schedule.cron === 'string') return `cron ${schedule.cron}${zone}`;
	if (typeof schedule.rrule === 'string') return `rrule ${schedule.rrule}${zone}`;
	return 'custom schedule';
}

/** "450 ms", "12.3 s", "4m 05s", "2h 03m", "3d 4h". */
export function formatDuration(seconds: number): string {
	if (!Number.isFinite(seconds) || seconds < 0) return '—';
	if (seconds < 1) return `${Math.round(seconds * 1000)} ms`;
	if (seconds < 60) return `${seconds < 10 ? seconds.toFixed(1) : Math.round(seconds)} s`;
	const total = Math.round(seconds);
	const pad = (n: number) => String(n).padStart(2, '0');
	if (total < 3600) return `${Math.floor(total / 60)}m ${pad(total % 60)}s`;
	if (total < 86_400) return `${Math.floor(total / 3600)}h ${pad(Math.floor((total % 3600) / 60))}m`;
	return `${Math.floor(total / 86_400)}d ${Math.floor((total % 86_400) / 3600)}h`;
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
