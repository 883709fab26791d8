/**
 * Checks every request passes before anything else: the Host it was sent to is one this server answers to (a page
 * served by a DNS-rebinding attacker reaches Flowdeck under the attacker's host name, and same-origin checks then
 * pass: Django's ALLOWED_HOSTS guards the same), and a form action's body is a form (not a 500 from the parser).
 */
import type { Handle } from '@sveltejs/kit/hooks';
import { config, type Config } from './config.ts';

const loopbackNames = ['localhost', '127.0.0.1', '[::1]'];

/**
 * The host names allowed: the loopback names (a rebinding page always sends its own name, never these), ORIGIN's
 * host, and FLOWDECK_ALLOWED_HOSTS.
 */
export function allowedHosts(cfg: Pick<Config, 'FLOWDECK_ALLOWED_HOSTS' | 'ORIGIN'>): string[] {
	return [...loopbackNames, ...(cfg.ORIGIN ? [new URL(cfg.ORIGIN).hostname] : []), ...(cfg.FLOWDECK_ALLOWED_HOSTS ?? [])];
}

/** The host name of a Host header value without its port; undefined when it is not a host name at all. */
export function hostName(header: string | null): string | undefined {
	if (!header) return undefined;
	const host = header.trim().toLowerCase();
	const match = /^(\[[0-9a-f:.]+\]|[a-z0-9-]+(?:\.[a-z0-9-]+)*\.?)(?::\d{1,5})?$/.exec(host);
	return match?.[1]?.replace(/\.$/, '');
}

export function isAllowedHost(host: string | undefined, allowed: readonly string[]): boolean {
	if (!host) return false;
	return allowed.some((entry) => entry === '*' || entry.replace(/\.$/, '') === host || (entry.startsWith('.') && (host.endsWith(entry) || host === entry.slice(1))));
}

/**
 * The host the client asked for. With ORIGIN, scripts/serve.ts itself sets the header adapter-node reads (always
 * ORIGIN's host), so the client's own Host is checked; behind a proxy configured with HOST_HEADER (no ORIGIN), the
 * proxy's header is, or Host for a request that did not come through the proxy (a health probe).
 */
function requestedHost(cfg: Pick<Config, 'ORIGIN' | 'HOST_HEADER'>, headers: Headers): string | null {
	const proxied = !cfg.ORIGIN && cfg.HOST_HEADER ? headers.get(cfg.HOST_HEADER) : null;
	return proxied ?? headers.get('host');
}

const formTypes = /^(application\/x-www-form-urlencoded|multipart\/form-data)\s*(;|$)/i;

/** Why a form action's body is refused, or undefined when it parses as a form. Reads a copy: the action reads it again. */
export async function formBodyProblem(request: Request): Promise<string | undefined> {
	const type = request.headers.get('content-type') ?? '';
	if (!formTypes.test(type)) return `Flowdeck's forms send application/x-www-form-urlencoded or multipart/form-data, not ${type.split(';')[0]?.trim() || 'a body without a content type'}.`;
	try {
		await request.clone().formData();
		return undefined;
	} catch {
		return 'The form data could not be read (a malformed body, or a multipart body without its boundary).';
	}
}

const refuse = (status: number, message: string) => new Response(`${message}\n`, { status, headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' } });

export const checkRequest: Handle = async ({ event, resolve }) => {
	const cfg = config();
	if (!isAllowedHost(hostName(requestedHost(cfg, event.request.headers)), allowedHosts(cfg))) {
		return refuse(400, 'This Flowdeck does not answer to the host name in this request. An administrator can allow it with FLOWDECK_ALLOWED_HOSTS (docs/authentication.md).');
	}
	// Every POST in Flowdeck is a form action (there are no other POST endpoints).
	if (event.request.method === 'POST') {
		const problem = await formBodyProblem(event.request);
		if (problem) return refuse(400, problem);
	}
	return resolve(event);
};
