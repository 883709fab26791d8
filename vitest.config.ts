import { defineConfig } from 'vitest/config';

export default defineConfig({
	test: {
		projects: [
			{
				test: {
					name: 'unit',
					include: ['tests/unit/**/*.test.ts', 'src/**/*.test.ts'],
					environment: 'node',
					env: { TZ: 'UTC' }
				}
			},
			{
				// The npm scripts run as processes (no Prefect needed; "unreachable" cases use a closed port).
				test: {
					name: 'cli',
					include: ['tests/cli/**/*.test.ts'],
					environment: 'node',
					env: { TZ: 'UTC' },
					testTimeout: 60_000
				}
			},
			{
				// Runs against the real stack that scripts/test-all.ts starts (FLOWDECK_TEST_* variables).
				test: {
					name: 'integration',
					include: ['tests/integration/**/*.test.ts'],
					environment: 'node',
					testTimeout: 180_000,
					hookTimeout: 180_000,
					fileParallelism: false
				}
			}
		]
	}
});
