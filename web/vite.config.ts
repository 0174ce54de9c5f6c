// SvelteKit 3 reads its configuration from the Vite plugin (svelte.config.js is no longer supported).
import adapter from '@sveltejs/adapter-node';
import { sveltekit } from '@sveltejs/kit/vite';
import { defineConfig } from 'vite';

export default defineConfig({
  plugins: [
    sveltekit({
      adapter: adapter(),
      // Spans for handle, load functions and form actions (OpenTelemetry). src/instrumentation.server.ts,
      // when it exists, is loaded before the app automatically (no opt-in in SvelteKit 3).
      tracing: { server: true },
    }),
  ],
});
