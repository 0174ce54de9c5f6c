// The chart and dev-loop checks (npm run test:k8s): Helm, schemas and Tiltfile tools are installed into
// a cache on first use, so the first run is slower.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['scripts/k8s/**/*.test.ts'],
    environment: 'node',
    testTimeout: 60_000,
    hookTimeout: 240_000,
  },
});
