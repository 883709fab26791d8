/**
 * The service account's re-login under a race, against a simulated workbench of the hardest shape: two cookies
 * both required, an expired session answered by a 302 to the login page that sets a fresh anonymous session
 * cookie, and answers that arrive in any order. The real gateway test is tests/integration/auth-gateway-c.test.ts.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { mergeCookies } from '#lib/auth/cookies.ts';
import { createServiceAccount } from '#lib/auth/service-account.ts';
import { jarCredentials } from '#lib/auth/upstream.ts';
import { createPrefectClient } from '#lib/prefect/client.ts';

const API = 'http://wb.test/api';

/** A workbench whose sessions can be expired at will; every answer is delayed by a random few milliseconds. */
function simulatedWorkbench() {
	const state = { signIns: 0, valid: new Set<string>(), anonymous: 0 };
	const pause = () => new Promise((done) => setTimeout(done, Math.random() * 8));
	return {
		state,
		async signIn() {
			await pause();
			const sid = `s${++state.signIns}`;
			state.valid = new Set([sid]);
			return mergeCookies(new Map(), [`sid=${sid}; Path=/; HttpOnly`, `route=blue; Path=/api; Max-Age=86400`], new URL('http://wb.test/sign-in'), Date.now());
		},
		expire() {
			state.valid.clear();
		},
		async fetch(request: Request): Promise<Response> {
			const cookies = new Map((request.headers.get('cookie') ?? '').split(/;\s*/).map((pair) => pair.split('=') as [string, string]));
			const sid = cookies.get('sid') ?? '';
			// Answer after a delay: an answer to the old session may arrive after the re-login finished.
			await pause();
			if (!state.valid.has(sid) || cookies.get('route') !== 'blue') {
				return new Response('<html>sign in</html>', {
					status: 302,
					headers: [
						['location', '/sign-in?next=%2Fapi'],
						['set-cookie', `sid=anon${++state.anonymous}; Path=/; HttpOnly`]
					]
				});
			}
			// A sliding session: every valid answer re-issues the cookie.
			return Response.json([], { headers: [['set-cookie', `sid=${sid}; Path=/; HttpOnly`]] });
		}
	};
}

afterEach(() => vi.unstubAllGlobals());

describe('service account re-login', () => {
	it('signs in exactly once per expiry for many requests in flight, and every request succeeds', async () => {
		const workbench = simulatedWorkbench();
		vi.stubGlobal('fetch', (input: RequestInfo | URL, init?: RequestInit) => workbench.fetch(new Request(input, init)));
		const account = createServiceAccount(() => workbench.signIn());
		const prefect = createPrefectClient({ apiUrl: API, timeoutMs: 5000, ...jarCredentials({ apiUrl: API, now: Date.now, cookies: account }) });

		await prefect.flows.filter();
		expect(workbench.state.signIns).toBe(1);
		for (let expiry = 1; expiry <= 3; expiry++) {
			// Requests already in flight when the session expires, and more that start during the re-login.
			const early = Array.from({ length: 12 }, () => prefect.flows.filter());
			workbench.expire();
			const late = Array.from({ length: 12 }, () => prefect.flows.filter());
			const results = await Promise.allSettled([...early, ...late]);
			expect(results.filter((result) => result.status === 'rejected')).toEqual([]);
			expect(workbench.state.signIns).toBe(1 + expiry);
		}
		// The anonymous cookies of the 302s never replaced the signed-in one.
		await prefect.flows.filter();
		expect(workbench.state.signIns).toBe(4);
	});

	it('keeps re-issued cookies only from answers to the current generation', async () => {
		const account = createServiceAccount(async () => mergeCookies(new Map(), ['sid=new; Path=/'], new URL('http://wb.test/'), Date.now()));
		const { generation } = await account.current();
		account.keep(generation - 1, (jar) => mergeCookies(jar, ['sid=stale; Path=/'], new URL('http://wb.test/api/x'), Date.now()));
		expect([...(await account.current()).jar.values()].map((cookie) => cookie.value)).toEqual(['new']);
		account.keep(generation, (jar) => mergeCookies(jar, ['sid=slid; Path=/'], new URL('http://wb.test/api/x'), Date.now()));
		expect([...(await account.current()).jar.values()].map((cookie) => cookie.value)).toEqual(['slid']);
	});
});
