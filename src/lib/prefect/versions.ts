/**
 * Which Prefect server versions Flowdeck supports. Tested means the whole suite runs against it; other 2.x and 3.x
 * servers answer the same paths but some fields may differ (docs/prefect-versions.md), so pages work with a warning;
 * any other major is refused with a clear message instead of broken pages.
 */
export const TESTED_PREFECT_VERSIONS = ['2.13.7', '3.9.1'] as const;
/** The range Flowdeck supports, as people read it. */
export const SUPPORTED_PREFECT_RANGE = '2.13.x and 3.9.x';

/** The two API generations Flowdeck speaks: where they differ, the client picks an adapter by this. */
export type PrefectApi = 2 | 3;

/** The API generation of a server version: 3 from 3.0 on (a newer major is refused by versionSupport anyway). */
export function apiOf(version: string): PrefectApi {
	const major = Number(/^(\d+)\./.exec(version.trim())?.[1]);
	return major >= 3 ? 3 : 2;
}

export type VersionSupport = { level: 'supported'; message: null } | { level: 'untested'; message: string } | { level: 'unsupported'; message: string };

/** The tested lines: [major, minor]. */
const TESTED_LINES = TESTED_PREFECT_VERSIONS.map((version) => version.split('.').slice(0, 2).map(Number));

export function versionSupport(version: string): VersionSupport {
	const match = /^(\d+)\.(\d+)\.(\d+)/.exec(version.trim());
	if (!match) return { level: 'unsupported', message: `Prefect reports the version "${version}", which Flowdeck cannot read: it supports Prefect ${SUPPORTED_PREFECT_RANGE}.` };
	const [major, minor] = [Number(match[1]), Number(match[2])];
	if (TESTED_LINES.some(([testedMajor, testedMinor]) => major === testedMajor && minor === testedMinor)) return { level: 'supported', message: null };
	if (major === 2 || major === 3) {
		return {
			level: 'untested',
			message: `Prefect ${version} is not a version Flowdeck is tested with (${SUPPORTED_PREFECT_RANGE}): pages work, but some details may be shown wrong or refused if this version changed a field Flowdeck reads.`
		};
	}
	return {
		level: 'unsupported',
		message: `Prefect ${version} is not supported: Flowdeck speaks to Prefect ${SUPPORTED_PREFECT_RANGE} servers (the API of ${major}.x differs). Point PREFECT_API_URL at a supported server.`
	};
}
