/** Which credentials Flowdeck sends upstream, chosen from the configuration (docs/authentication.md). */
import type { Config } from '#lib/server/config.ts';

export type AuthMode =
	| { kind: 'none' }
	| { kind: 'api-key' }
	/** Each person signs in on /login with their own workbench account; Flowdeck keeps their upstream cookies. */
	| { kind: 'workbench'; account: 'per-user'; apiKey: boolean }
	/** Flowdeck signs in with WORKBENCH_USERNAME/PASSWORD: whoever reaches Flowdeck sees what that account sees. */
	| { kind: 'workbench'; account: 'service'; apiKey: boolean };

export function authModeOf(cfg: Config): AuthMode {
	if (cfg.WORKBENCH_LOGIN_URL) {
		return { kind: 'workbench', account: cfg.WORKBENCH_USERNAME ? 'service' : 'per-user', apiKey: Boolean(cfg.PREFECT_API_KEY) };
	}
	return cfg.PREFECT_API_KEY ? { kind: 'api-key' } : { kind: 'none' };
}

export const requiresSignIn = (mode: AuthMode): boolean => mode.kind === 'workbench' && mode.account === 'per-user';

/** Short description for the page footer, /healthz and npm run test:auth (never a secret). */
export function describeAuthMode(mode: AuthMode): string {
	switch (mode.kind) {
		case 'none':
			return 'none';
		case 'api-key':
			return 'API key';
		case 'workbench':
			return `workbench ${mode.account === 'per-user' ? 'sign-in (per user)' : 'service account'}${mode.apiKey ? ' + API key' : ''}`;
	}
}

/** The mode as data for /healthz: which kind, whose account, whether a key is sent. */
export function authSummary(mode: AuthMode) {
	return {
		mode: mode.kind,
		account: mode.kind === 'workbench' ? mode.account : null,
		apiKey: mode.kind === 'api-key' || (mode.kind === 'workbench' && mode.apiKey),
		description: describeAuthMode(mode)
	};
}
