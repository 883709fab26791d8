/**
 * Which Prefect server versions Flowdeck supports. Tested means the whole suite runs against it; other 2.x and 3.x
 * servers answer the same paths but some fields differ (docs/prefect-versions.md), so pages work with a warning;
 * any other major is refused with a clear message instead of broken pages.
 */
export const TESTED_PREFECT_VERSIONS = ['2.13.7'] as const;
/** The range Flowdeck supports, as people read it. */
export const SUPPORTED_PREFECT_RANGE = '2.13.x';

export type VersionSupport = { level: 'supported'; message: null } | { level: 'untested'; message: string } | { level: 'unsupported'; message: string };

export function versionSupport(version: string): VersionSupport {
	const match = /^(\d+)\.(\d+)\.(\d+)/.exec(version.trim());
	if (!match) return { level: 'unsupported', message: `Prefect reports the version "${version}", which Flowdeck cannot read: it supports Prefect ${SUPPORTED_PREFECT_RANGE}.` };
	const [major, minor] = [Number(match[1]), Number(match[2])];
	if (major === 2 && minor === 13) return { level: 'supported', message: null };
	if (major === 2 || major === 3) {
		return {
			level: 'untested',
			message: `Prefect ${version} is not a version Flowdeck is tested with (${SUPPORTED_PREFECT_RANGE}): pages work, but some details, such as deployment schedules and tag concurrency on 3.x, may be shown wrong.`
		};
	}
	return {
		level: 'unsupported',
		message: `Prefect ${version} is not supported: Flowdeck speaks to Prefect ${SUPPORTED_PREFECT_RANGE} servers (the API of ${major}.x differs). Point PREFECT_API_URL at a supported server.`
	};
}
