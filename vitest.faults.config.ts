import { defineConfig } from 'vitest/config';

/**
 * `npm run test:faults`: the replica guarantees tested with real processes (test/faults/). One
 * scenario at a time (they start processes and servers, and time them), a summary table at the end.
 * `npm test` finds these files too and skips them: PANTAU_FAULTS is set only here.
 */
export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts'],
    globalSetup: ['test/faults/global-setup.ts'],
    fileParallelism: false,
    pool: 'forks',
    testTimeout: 90_000,
    hookTimeout: 60_000,
    env: {
      PANTAU_FAULTS: '1',
      DATABASE_URL: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test',
    },
  },
});
