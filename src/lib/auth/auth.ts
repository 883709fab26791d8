/**
 * Authentication of one Flowdeck process: its mode, session store, login throttle, workbench client and (in
 * service-account mode) the shared upstream session; and the upstream credentials each request carries.
 */
import { PrefectError } from '#lib/prefect/errors.ts';
import { config, type Config } from '#lib/server/config.ts';
import { cookieHeader, jarExpired } from './cookies.ts';
import { authModeOf, type AuthMode } from './mode.ts';
import { createServiceAccount } from './service-account.ts';
import { createMemorySessionStore, sessionShareKey, type Session, type SessionStore } from './session-store.ts';
import { createRedisSessionStore } from './redis-sessions.ts';
import { createLoginThrottle, type LoginThrottle } from './throttle.ts';
import type { UpstreamCredentials } from '#lib/prefect/request.ts';
import { apiKeyHeaders, jarCredentials, type CookieSource } from './upstream.ts';
import { createWorkbenchClient, signInMessages, WorkbenchError, type WorkbenchClient } from './workbench.ts';

export interface Auth {
	cfg: Config;
	mode: AuthMode;
	sessions: SessionStore;
	throttle: LoginThrottle;
	workbench?: WorkbenchClient;
	/** Service-account mode: the shared upstream session. */
	serviceAccount?: CookieSource;
	/** Why recently ended sessions ended, by session share key: every stream and page of one session says the same. */
	endings: Map<string, { end: SessionEnd; at: number }>;
	now: () => number;
}

export function createAuth(cfg: Config, now: () => number = Date.now): Auth {
	const mode = authModeOf(cfg);
	const workbench = cfg.WORKBENCH_LOGIN_URL
		? createWorkbenchClient({
				loginUrl: cfg.WORKBENCH_LOGIN_URL,
				logoutUrl: cfg.WORKBENCH_LOGOUT_URL,
				usernameField: cfg.WORKBENCH_USERNAME_FIELD,
				passwordField: cfg.WORKBENCH_PASSWORD_FIELD,
				csrfField: cfg.WORKBENCH_CSRF_FIELD,
				timeoutMs: cfg.FLOWDECK_REQUEST_TIMEOUT_MS,
				now
			})
		: undefined;
	const { WORKBENCH_USERNAME: username, WORKBENCH_PASSWORD: password } = cfg;
	return {
		cfg,
		mode,
		now,
		workbench,
		serviceAccount: workbench && username && password ? createServiceAccount(() => workbench.signIn(username, password), now) : undefined,
		sessions: sessionStoreFor(cfg, now),
		endings: new Map(),
		throttle: createLoginThrottle({ maxFailures: cfg.FLOWDECK_LOGIN_MAX_FAILURES, windowMs: cfg.FLOWDECK_LOGIN_WINDOW_MINUTES * 60_000, now })
	};
}

/** The store FLOWDECK_SESSION_STORE names: this process's memory, or Redis shared by every instance. */
function sessionStoreFor(cfg: Config, now: () => number): SessionStore {
	const timeouts = { idleMs: cfg.FLOWDECK_SESSION_IDLE_MINUTES * 60_000, absoluteMs: cfg.FLOWDECK_SESSION_ABSOLUTE_HOURS * 3_600_000 };
	if (cfg.FLOWDECK_SESSION_STORE === 'memory') return createMemorySessionStore(timeouts, { now });
	// The configuration refuses a Redis store without a secret.
	return createRedisSessionStore(cfg.FLOWDECK_SESSION_STORE, cfg.FLOWDECK_SESSION_SECRET!, timeouts, { now });
}

let processAuth: Auth | undefined;

/** This process's authentication, created from its configuration on first use. */
export function auth(): Auth {
	return (processAuth ??= createAuth(config()));
}

/** Credentials shared by everyone: the service account's session (and key), the API key, or nothing. */
export function sharedCredentials(auth: Auth): UpstreamCredentials {
	const account = auth.serviceAccount;
	// One credential for everyone: reads are shared between all viewers.
	if (!account) return { headers: () => apiKeyHeaders(auth.cfg), shareKey: 'shared' };
	return { ...jarCredentials({ apiUrl: auth.cfg.PREFECT_API_URL, keys: auth.cfg, now: auth.now, cookies: account }), shareKey: 'shared' };
}

/** Which session ended: Flowdeck's own (signed out, idle or absolute timeout) or the workbench one behind it. */
export type SessionEnd = 'flowdeck' | 'workbench';

export const sessionEndMessages: Record<SessionEnd, string> = {
	flowdeck: 'your Flowdeck session ended (signed out, or no activity for too long): sign in again',
	workbench: 'your workbench session expired: sign in again'
};

/** How long this process remembers why a session ended (its other tabs and streams learn it within seconds). */
const ENDING_MEMORY_MS = 15 * 60_000;

/** Ends a session, remembering which one ended so its other requests and streams tell the person the same. */
export async function endSession(auth: Auth, id: string, end: SessionEnd): Promise<void> {
	const at = auth.now();
	for (const [key, ending] of auth.endings) if (at - ending.at > ENDING_MEMORY_MS) auth.endings.delete(key);
	auth.endings.set(sessionShareKey(id), { end, at });
	await auth.sessions.destroy(id);
}

/**
 * Which session ended for a session id the store no longer has: the workbench one when this process saw it end,
 * else Flowdeck's own (signed out, timed out; or it ended on another instance).
 */
export const endingOf = (auth: Auth, id: string): SessionEnd => auth.endings.get(sessionShareKey(id))?.end ?? 'flowdeck';

/** Whether a signed-in user's session still holds: null while it does, else which one ended. Cheap: no upstream call. */
export async function sessionEnded(auth: Auth, session: Session): Promise<SessionEnd | null> {
	if (!(await auth.sessions.isActive(session.id))) return endingOf(auth, session.id);
	return jarExpired(session.upstream, auth.now()) ? 'workbench' : null;
}

/**
 * Credentials of a signed-in user: their upstream cookies. When those expire or upstream refuses them, the
 * session is over: `onEnded` ends it and the call fails as unauthorized (the hook sends the user to /login).
 * Every call also checks the session is still active, so a long-lived stream stops at sign-out or timeout.
 */
export function sessionCredentials(auth: Auth, session: Session, onEnded: (end: SessionEnd) => Promise<void>): UpstreamCredentials {
	const credentials = jarCredentials({
		apiUrl: auth.cfg.PREFECT_API_URL,
		keys: auth.cfg,
		now: auth.now,
		cookies: {
			async current() {
				const ended = await sessionEnded(auth, session);
				if (ended) {
					await onEnded(ended);
					throw new PrefectError('unauthorized', sessionEndMessages[ended], 401);
				}
				// A person's session never signs in again upstream: it has one generation.
				return { jar: session.upstream, generation: 0 };
			},
			keep(_generation, update) {
				session.upstream = update(session.upstream);
				void auth.sessions.setUpstream(session.id, session.upstream);
			},
			async renew() {
				await onEnded('workbench');
				return false;
			}
		}
	});
	// Reads are shared only within this session: users' upstream rights may differ.
	return { ...credentials, shareKey: `session:${sessionShareKey(session.id)}` };
}

export type SignInResult = { ok: true; session: Session } | { ok: false; status: number; message: string; retryAfterSeconds?: number };

/**
 * Signs a person in at the workbench and starts a new Flowdeck session (never reusing an id the browser sent).
 * Failed attempts count towards the throttle of this username and client address.
 */
export async function signIn(auth: Auth, username: string, password: string, clientAddress: string): Promise<SignInResult> {
	if (!auth.workbench) return { ok: false, status: 404, message: 'Sign-in is not used with this configuration.' };
	const verdict = auth.throttle.check(username, clientAddress);
	if (!verdict.allowed) {
		return { ok: false, status: 429, message: `Too many failed sign-ins. Try again in ${Math.ceil(verdict.retryAfterSeconds / 60)} minute(s).`, retryAfterSeconds: verdict.retryAfterSeconds };
	}
	try {
		const upstream = await auth.workbench.signIn(username, password);
		auth.throttle.reset(username, clientAddress);
		return { ok: true, session: await auth.sessions.create(username, upstream) };
	} catch (error) {
		if (!(error instanceof WorkbenchError)) throw error;
		if (error.reason === 'refused') auth.throttle.recordFailure(username, clientAddress);
		else console.error(`[flowdeck] workbench sign-in failed: ${error.message}`);
		const status = error.reason === 'refused' ? 401 : error.reason === 'unreachable' ? 503 : 502;
		return { ok: false, status, message: signInMessages[error.reason] };
	}
}

/** Ends the Flowdeck session, then the upstream one at WORKBENCH_LOGOUT_URL if configured. */
export async function signOut(auth: Auth, session: Session): Promise<void> {
	await auth.sessions.destroy(session.id);
	const logoutUrl = auth.cfg.WORKBENCH_LOGOUT_URL;
	if (!auth.workbench || !logoutUrl) return;
	const problem = await auth.workbench.signOut(cookieHeader(session.upstream, new URL(logoutUrl), auth.now()));
	if (problem) console.error(`[flowdeck] workbench logout: ${problem}`);
}
