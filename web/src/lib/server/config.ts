// The gateway client and session settings of this process, from the environment (src/env.ts).
import { building } from '$app/env';
import { GATEWAY_URL, ORIGIN } from '$app/env/private';
import { forwardingClientAddress } from './client-address.js';
import { createGatewayClient } from './gateway.js';
import { createRefresher } from './session.js';

const production = process.env.NODE_ENV === 'production';

/** GATEWAY_URL; outside production it defaults to the gateway of `npm run dev`. */
function gatewayUrl(): string {
  if (GATEWAY_URL) return GATEWAY_URL;
  if (production && !building)
    throw new Error('GATEWAY_URL is required in production (the URL of the REST gateway)');
  return 'http://127.0.0.1:8080';
}

export const gateway = createGatewayClient({ baseUrl: gatewayUrl(), fetch: forwardingClientAddress() });
export const refresher = createRefresher(gateway);

/** Secure cookies in production, or whenever the public origin is https. */
export const secureCookies = production || Boolean(ORIGIN?.startsWith('https:'));
