import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Loopback servers and SQLite files per test file; two cores on CI.
    pool: 'forks',
  },
});
