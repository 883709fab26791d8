/**
 * The 404 of a malformed id. `[id=uuid]` routes (src/params.ts) do not match one, so SvelteKit answers "Not found";
 * this names what the id was meant to be, as the page of a well-formed but unknown id does.
 */

/** Paths of the id routes, with what their id names. */
const idRoutes: Array<[RegExp, string]> = [
	[/^\/runs\/([^/]+)(?:\/(?:events|logs|logs\/count|task-runs))?\/?$/, 'flow run'],
	[/^\/task-runs\/([^/]+)\/?$/, 'task run'],
	[/^\/flows\/([^/]+)\/?$/, 'flow'],
	[/^\/deployments\/([^/]+)\/?$/, 'deployment']
];

/** The error of a path that looks like an id route with a malformed id; undefined for any other path. */
export function malformedIdError(pathname: string): { title: string; message: string } | undefined {
	for (const [pattern, what] of idRoutes) {
		const raw = pattern.exec(pathname)?.[1];
		if (raw === undefined) continue;
		let id = raw;
		try {
			id = decodeURIComponent(raw);
		} catch {
			// A malformed escape stays as it came.
		}
		return { title: 'Not found', message: `No ${what} has the id "${id.slice(0, 80)}".` };
	}
	return undefined;
}
