/**
 * Route param matchers: `[id=uuid]` routes only match a well-formed id (normalised to lower case), so no loader,
 * action or endpoint ever checks one again. A malformed id matches no route: hooks.server.ts turns that 404 into
 * the resource's own "No flow run has the id …" page (src/lib/server/not-found.ts).
 */
import { defineParams } from '@sveltejs/kit/params';
import { isUuid } from '#lib/runs/query.ts';

export const params = defineParams({
	uuid: (param) => (isUuid(param) ? param.toLowerCase() : undefined)
});
