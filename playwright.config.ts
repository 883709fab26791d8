import { defineConfig } from '@playwright/test';

// Runs against the stack and UI server that scripts/test-all.ts starts (FLOWDECK_TEST_BASE_URL).
export default defineConfig({
	testDir: 'tests/e2e',
	// The Prefect 3.x smoke runs on the 3.x stack only (npm test's prefect3 part sets FLOWDECK_PREFECT_VERSION=3).
	testIgnore: process.env.FLOWDECK_PREFECT_VERSION === '3' ? [] : ['**/prefect3-*.spec.ts'],
	timeout: 120_000,
	expect: { timeout: 15_000 },
	fullyParallel: false,
	workers: 1,
	reporter: [['list'], ['json']],
	outputDir: 'test-results/e2e-artifacts',
	use: {
		baseURL: process.env.FLOWDECK_TEST_BASE_URL ?? 'http://127.0.0.1:3000',
		trace: 'retain-on-failure',
		launchOptions: {
			executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
			args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic']
		}
	}
});
