import { sveltekit } from '@sveltejs/kit/vite';
import adapter from '@sveltejs/adapter-node';
import tailwindcss from '@tailwindcss/vite';
import { defineConfig } from 'vite';

// SvelteKit 3 keeps all configuration here, Svelte compiler options included: it refuses a svelte.config.js.
export default defineConfig({
	plugins: [
		tailwindcss(),
		sveltekit({
			adapter: adapter({ out: 'build' }),
			compilerOptions: { runes: true },
			// The CSRF origin check stays on; behind a proxy set ORIGIN or PROTOCOL_HEADER/HOST_HEADER (docs/authentication.md).
			csrf: { trustedOrigins: [] }
		})
	],
	server: { host: '127.0.0.1', port: 5173 }
});
