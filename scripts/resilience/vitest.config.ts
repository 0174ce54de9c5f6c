// The slow suites of `npm run test:resilience`: the real stack under faults, timing and load. One file
// at a time (each starts its own stack and Postgres; the machine has few cores).
import { defineConfig } from 'vitest/config';

const conditions = ['app-source', 'node', 'development|production'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['app-source'] } },
  test: {
    include: ['scripts/resilience/**/*.test.ts'],
    environment: 'node',
    fileParallelism: false,
    testTimeout: 420_000,
    hookTimeout: 180_000,
  },
});
