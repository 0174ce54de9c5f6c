import { defineConfig } from 'vitest/config';

// Unit tests of the server-side modules (no SvelteKit runtime needed); the browser tests are in e2e/.
export default defineConfig({
  test: {
    environment: 'node',
    include: ['test/**/*.test.ts'],
  },
});
