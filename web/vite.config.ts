// SvelteKit 3 reads its configuration from the Vite plugin (svelte.config.js is no longer supported).
import adapter from '@sveltejs/adapter-node';
import { sveltekit } from '@sveltejs/kit/vite';
import { defaultServerConditions, defineConfig } from 'vite';

export default defineConfig(({ command }) => ({
  plugins: [
    sveltekit({
      adapter: adapter(),
      // The trusted origin of form posts (CSRF check). adapter-node 6 no longer reads ORIGIN when it runs:
      // SvelteKit 3 takes it at build time (here); without it, the origin comes from the request
      // (https + Host, or PROTOCOL_HEADER/HOST_HEADER behind a proxy). `node server.js` reads ORIGIN at
      // run time instead: build without ORIGIN for an image that runs anywhere.
      paths: process.env.ORIGIN ? { origin: process.env.ORIGIN } : {},
      // Scripts only from this origin (SvelteKit adds a nonce to its own inline script); no framing.
      csp: {
        mode: 'auto',
        directives: {
          'default-src': ['self'],
          'script-src': ['self'],
          // Vite injects component styles with <style> elements in development.
          'style-src': ['self', 'unsafe-inline'],
          'img-src': ['self', 'data:'],
          // The dev server's hot reload uses a WebSocket.
          'connect-src': command === 'serve' ? ['self', 'ws:', 'wss:'] : ['self'],
          'form-action': ['self'],
          'frame-ancestors': ['none'],
          'base-uri': ['self'],
          'object-src': ['none'],
        },
      },
      // Spans for handle, load functions and form actions (OpenTelemetry). src/instrumentation.server.ts,
      // when it exists, is loaded before the app automatically (no opt-in in SvelteKit 3).
      tracing: { server: true },
    }),
  ],
  // `vite dev` runs the platform's telemetry register (src/instrumentation.server.ts) from its TypeScript
  // sources, like the services in development. The build leaves @app/platform external (adapter-node
  // keeps production dependencies external): `node server.js` loads its dist, which `npm run build` makes.
  ...(command === 'serve'
    ? { ssr: { resolve: { conditions: ['app-source', ...defaultServerConditions] } } }
    : {}),
}));
