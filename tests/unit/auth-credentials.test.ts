import { describe, expect, it, vi } from 'vitest';
import { createAuth, endingOf, endSession, sessionCredentials, sessionEnded, sharedCredentials } from '#lib/auth/auth.ts';
import { mergeCookies } from '#lib/auth/cookies.ts';
import { PrefectError } from '#lib/prefect/errors.ts';
import { parseConfig } from '#lib/server/config.ts';

/** Runs `body` with the global fetch answered by `upstream`. */
async function withFetch<T>(upstream: (request: Request) => Promise<Response>, body: () => Promise<T>): Promise<T> {
	vi.stubGlobal('fetch', (input: RequestInfo | URL, init?: RequestInit) => upstream(new Request(input, init)));
	try {
		return await body();
	} finally {
		vi.unstubAllGlobals();
	}
}

const cfg = parseConfig({ PREFECT_API_URL: 'http://wb.test/api', WORKBENCH_LOGIN_URL: 'http://wb.test/login', PREFECT_API_KEY: 'k1' });

describe('upstream credentials of a signed-in user', () => {
	it('send the session cookies and the API key, and stop once the session is destroyed (sign-out ends open streams)', async () => {
		const auth = createAuth(cfg);
		const session = await auth.sessions.create('alice', mergeCookies(new Map(), ['sid=s1; Path=/', 'other=x; Path=/elsewhere'], new URL(cfg.WORKBENCH_LOGIN_URL!), Date.now()));
		const ended: string[] = [];
		const credentials = sessionCredentials(auth, session, async (end) => {
			ended.push(end);
		});
		const sent: Request[] = [];
		const upstream = async (request: Request) => (sent.push(request), new Response('{}', { status: 200 }));
		expect(await credentials.headers!()).toEqual({ authorization: 'Bearer k1' });
		await withFetch(upstream, () => credentials.fetch!('http://wb.test/api/flows/filter', { method: 'POST' }));
		expect(sent[0]?.headers.get('cookie')).toBe('sid=s1');
		await auth.sessions.destroy(session.id);
		await expect(Promise.resolve().then(() => credentials.headers!())).rejects.toBeInstanceOf(PrefectError);
		expect(ended).toEqual(['flowdeck']);
	});

	it('without a service account, shared credentials are just the API key', async () => {
		expect(await sharedCredentials(createAuth(cfg)).headers!()).toEqual({ authorization: 'Bearer k1' });
		expect(await sharedCredentials(createAuth(parseConfig({}))).headers!()).toEqual({});
	});
});

describe('ended sessions', () => {
	it('remember which session ended, so every request and stream of it says the same', async () => {
		const auth = createAuth(cfg);
		const expired = await auth.sessions.create('alice', new Map());
		const signedOut = await auth.sessions.create('bob', new Map());
		await endSession(auth, expired.id, 'workbench');
		await auth.sessions.destroy(signedOut.id);
		expect(endingOf(auth, expired.id)).toBe('workbench');
		expect(endingOf(auth, signedOut.id)).toBe('flowdeck');
		expect(await sessionEnded(auth, expired)).toBe('workbench');
		expect(await sessionEnded(auth, signedOut)).toBe('flowdeck');
	});
});
