// Tests of the repository's own scripts (npm run dev, codegen): they run the real commands.
import { defineConfig } from 'vitest/config';

const conditions = ['app-source', 'node', 'development|production'];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ['app-source'] } },
  root: import.meta.dirname,
  test: { include: ['test/**/*.test.ts'], testTimeout: 300_000, hookTimeout: 60_000 },
});
