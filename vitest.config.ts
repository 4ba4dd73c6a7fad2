import { defineConfig } from 'vitest/config';

// The query-shape check reads what the rest of the suite recorded, so it runs in a later group.
const QUERY_SHAPE_CHECK = 'test/stores/query-shapes.test.ts';

export default defineConfig({
  test: {
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    setupFiles: ['vitest.setup.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'suite',
          include: ['test/**/*.test.ts'],
          exclude: [QUERY_SHAPE_CHECK],
          globalSetup: ['test/support/global-setup.ts'],
          // Each file gets its own database and Redis key prefix, so files run in parallel: three at a time
          // (vitest's default is one fewer than the CPUs, a single file on 2 CPUs, while most of a file's time
          // is spent waiting on FerretDB, Redis, Chromium or a child process).
          fileParallelism: true,
          maxWorkers: 3,
          sequence: { groupOrder: 0 },
        },
      },
      {
        extends: true,
        test: { name: 'query-shapes', include: [QUERY_SHAPE_CHECK], sequence: { groupOrder: 1 } },
      },
    ],
  },
});
