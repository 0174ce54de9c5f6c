// The web app's configuration (SvelteKit 3 environment variables, read from `$app/env/private`).
// A missing or malformed variable stops the server at start with a message naming it.
import { defineEnvVars } from '@sveltejs/kit/env';

function httpUrl(name: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${name} must be an http(s) URL, got "${value}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new Error(`${name} must be an http(s) URL, got "${value}"`);
  return url.origin + url.pathname.replace(/\/+$/, '');
}

export const variables = defineEnvVars({
  GATEWAY_URL: {
    description:
      'Base URL of the REST gateway, e.g. http://127.0.0.1:8080 (required in production; see #lib/server/config).',
    schema: (value) => (value ? httpUrl('GATEWAY_URL', value) : undefined),
  },
  ORIGIN: {
    description:
      'The public origin of the app (read by adapter-node); https makes the session cookies Secure.',
    schema: (value) => (value ? httpUrl('ORIGIN', value) : undefined),
  },
});
