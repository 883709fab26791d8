/** npm run test:auth — check PREFECT_API_URL and credentials: read flows and work pools, say what is wrong. */
import { isPrefectError } from '#lib/prefect/errors.ts';
import { displayUrl } from '#lib/prefect/request.ts';
import { cliClient, cliConfig, main } from './lib/cli.ts';
import { probe } from './lib/local-server.ts';

main(async () => {
	const cfg = cliConfig();
	const where = displayUrl(cfg.PREFECT_API_URL);
	console.log(`Prefect API: ${where}`);
	console.log(`Credentials: ${cfg.PREFECT_API_KEY ? 'API key (Authorization: Bearer)' : 'none'}`);
	const found = await probe(cfg.PREFECT_API_URL);
	if (found.kind === 'free') {
		console.error(`\u2717 unreachable: nothing accepts connections at ${new URL(cfg.PREFECT_API_URL).host} (refused). Is the server running? (npm run prefect:server)`);
		return 1;
	}
	const prefect = cliClient(cfg);
	try {
		const [version, flows, pools] = await Promise.all([prefect.serverVersion(), prefect.flows.filter(), prefect.workPools.filter()]);
		console.log(`\u2713 Prefect ${version} answered`);
		console.log(`\u2713 read ${flows.length} flow(s) and ${pools.length} work pool(s): ${pools.map((pool) => pool.name).join(', ') || '(none)'}`);
		return 0;
	} catch (error) {
		if (!isPrefectError(error)) throw error;
		const diagnosis: Record<string, string> = {
			unreachable: 'unreachable: the connection failed',
			timeout: 'timeout: the server accepted the connection but did not answer in time',
			unauthorized: 'refused credentials (401/403): check PREFECT_API_KEY or the workbench sign-in',
			'not-found': 'not a Prefect API: the URL answers 404 for Prefect endpoints; does PREFECT_API_URL end in /api?',
			malformed: 'not a Prefect API: the answers are not what Prefect 2.x sends (a login page or another service?)',
			validation: 'the server refused the request',
			conflict: 'unexpected conflict',
			upstream: 'the server failed (5xx)'
		};
		console.error(`\u2717 ${diagnosis[error.kind]}\n  ${error.message}`);
		return 1;
	}
});
