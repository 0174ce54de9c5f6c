// The test configuration every service shares: workspace packages resolve to their TypeScript sources
// (the `app-source` export condition) and one real Postgres serves the whole run.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// No 'module' condition: it picks bundler-only builds that Node cannot load (@opentelemetry/api 1.9's
// build/esm has extensionless imports).
const conditions = ['app-source', 'node', 'development|production'];

export function serviceTestConfig() {
  return defineConfig({
    resolve: { conditions },
    ssr: { resolve: { conditions, externalConditions: ['app-source'] } },
    test: {
      environment: 'node',
      globalSetup: [fileURLToPath(new URL('./src/test-database.ts', import.meta.url))],
      testTimeout: 20_000,
      hookTimeout: 60_000,
    },
  });
}
