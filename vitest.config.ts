import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration suites share one Kafka, PostgreSQL and MariaDB; files isolate by unique names.
    fileParallelism: true,
    maxWorkers: 2,
  },
});
