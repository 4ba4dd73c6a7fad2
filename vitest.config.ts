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
          // Each file gets its own database and Redis key prefix, so files run in parallel.
          fileParallelism: true,
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
