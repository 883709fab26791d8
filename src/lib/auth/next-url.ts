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
	// The answer is the normalised path: `/.//x`, `/a/..//x` and `/%2e//x` normalise to `//x`, which a browser
	// (and SvelteKit's redirect) reads as another host. Check what is returned, not only what came in.
	if (url.pathname.startsWith('//')) return '/';
	return `${url.pathname}${url.search}${url.hash}`;
}

/** /login with the page to come back to, and which session just ended (Flowdeck's own or the workbench one). */
export function loginLocation(next: string, ended?: 'flowdeck' | 'workbench'): string {
	const params = new URLSearchParams();
	const target = safeNext(next);
	if (target !== '/') params.set('next', target);
	if (ended) params.set('expired', ended);
	const query = params.toString();
	return query ? `/login?${query}` : '/login';
}
