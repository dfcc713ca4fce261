import { defineConfig } from 'vitest/config';

// Two projects: unit tests need no network and start nothing; integration and e2e tests get the real
// services (PostgreSQL, MariaDB, Kafka, schema registry) from test/support/global-setup.ts.
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      {
        test: {
          name: 'integration',
          include: [
            'test/integration/**/*.test.ts',
            'test/conformance/**/*.test.ts',
            'test/e2e/**/*.test.ts',
          ],
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 300_000,
          // The suites share one Kafka, PostgreSQL and MariaDB; files isolate by unique names.
          maxWorkers: 2,
        },
      },
      {
        // The Kafka-facing suites again, against the stack's Kafka 3.9 broker (the others use 4.x).
        test: {
          name: 'kafka-3.9',
          include: [
            'test/integration/kafka-runtime.test.ts',
            'test/integration/runtime-source.test.ts',
            'test/integration/runtime-sink.test.ts',
            'test/integration/cluster-stores.test.ts',
            'test/integration/cluster-membership.test.ts',
          ],
          env: { ONRAMP_TEST_KAFKA: 'legacy' },
          globalSetup: ['test/support/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 300_000,
          maxWorkers: 2,
        },
      },
    ],
  },
});
