/** Which credentials Flowdeck sends upstream, chosen from the configuration (docs/authentication.md). */
import type { Config } from '#lib/server/config.ts';

/**
 * How a key reaches Prefect: `Authorization: Bearer PREFECT_API_KEY`, or `Basic base64(PREFECT_API_AUTH_STRING)` for a
 * Prefect 3 server with its own basic auth (PREFECT_SERVER_API_AUTH_STRING); the auth string wins, as in Prefect's client.
 */
export type KeyScheme = 'bearer' | 'basic';

export type AuthMode =
	| { kind: 'none' }
	| { kind: 'api-key'; scheme: KeyScheme }
	/** Each person signs in on /login with their own workbench account; Flowdeck keeps their upstream cookies. */
	| { kind: 'workbench'; account: 'per-user'; apiKey: KeyScheme | null }
	/** Flowdeck signs in with WORKBENCH_USERNAME/PASSWORD: whoever reaches Flowdeck sees what that account sees. */
	| { kind: 'workbench'; account: 'service'; apiKey: KeyScheme | null };

export const keySchemeOf = (cfg: Pick<Config, 'PREFECT_API_KEY' | 'PREFECT_API_AUTH_STRING'>): KeyScheme | null => (cfg.PREFECT_API_AUTH_STRING ? 'basic' : cfg.PREFECT_API_KEY ? 'bearer' : null);

export function authModeOf(cfg: Config): AuthMode {
	const scheme = keySchemeOf(cfg);
	if (cfg.WORKBENCH_LOGIN_URL) {
		return { kind: 'workbench', account: cfg.WORKBENCH_USERNAME ? 'service' : 'per-user', apiKey: scheme };
	}
	return scheme ? { kind: 'api-key', scheme } : { kind: 'none' };
}

const keyNames: Record<KeyScheme, string> = { bearer: 'API key', basic: 'basic auth' };

export const requiresSignIn = (mode: AuthMode): boolean => mode.kind === 'workbench' && mode.account === 'per-user';

/** Short description for the page footer, /healthz and npm run test:auth (never a secret). */
export function describeAuthMode(mode: AuthMode): string {
	switch (mode.kind) {
		case 'none':
			return 'none';
		case 'api-key':
			return keyNames[mode.scheme];
		case 'workbench':
			return `workbench ${mode.account === 'per-user' ? 'sign-in (per user)' : 'service account'}${mode.apiKey ? ` + ${keyNames[mode.apiKey]}` : ''}`;
	}
}

/** The mode as data for /healthz: which kind, whose account, whether a key is sent. */
export function authSummary(mode: AuthMode) {
	return {
		mode: mode.kind,
		account: mode.kind === 'workbench' ? mode.account : null,
		apiKey: mode.kind === 'api-key' || (mode.kind === 'workbench' && mode.apiKey !== null),
		description: describeAuthMode(mode)
	};
}
