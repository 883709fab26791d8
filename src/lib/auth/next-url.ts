/** Where to send someone after signing in: only a same-origin path of this app, never another site or /login. */

const base = 'http://flowdeck.invalid';

export function safeNext(raw: unknown): string {
	if (typeof raw !== 'string' || !raw.startsWith('/') || raw.startsWith('//') || /[\\\u0000-\u001f\u007f]/.test(raw)) return '/';
	let url: URL;
	try {
		url = new URL(raw, base);
	} catch {
		return '/';
	}
	if (url.origin !== base || url.pathname === '/login' || url.pathname.startsWith('/login/')) return '/';
	return `${url.pathname}${url.search}${url.hash}`;
}

/** /login with the page to come back to, and whether the workbench session just expired. */
export function loginLocation(next: string, expired = false): string {
	const params = new URLSearchParams();
	const target = safeNext(next);
	if (target !== '/') params.set('next', target);
	if (expired) params.set('expired', '1');
	const query = params.toString();
	return query ? `/login?${query}` : '/login';
}
