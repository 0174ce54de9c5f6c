// Everything the gateway reads from the environment, in one place. A missing or malformed variable
// stops the process at start with a message naming it (see loadConfig in @app/platform).
import { env, loadConfig, type ConfigOf, type Variable } from '@app/platform';

/**
 * Fastify's `trustProxy`: "true", "false" or a comma-separated list of trusted proxy addresses/CIDRs.
 * Off by default: without a proxy in front, X-Forwarded-For must not choose the client IP (the rate
 * limit keys on it).
 */
function trustProxy(): Variable<boolean | string[]> {
  return {
    parse(raw) {
      if (raw === undefined || raw === '' || raw === 'false') return false;
      if (raw === 'true') return true;
      return raw
        .split(',')
        .map((entry) => entry.trim())
        .filter(Boolean);
    },
  };
}

export const configSpec = {
  PORT: env.port(8080),
  HOST: env.string({ default: '0.0.0.0' }),
  /** HMAC key of the access tokens (HS256). No default in production. */
  JWT_SECRET: env.string({ devDefault: 'dev-only-jwt-secret-never-use-in-production', minLength: 32 }),
  JWT_ISSUER: env.string({ default: 'app-gateway' }),
  JWT_AUDIENCE: env.string({ default: 'app' }),
  /** Lifetime of an access token, in seconds (15 minutes). */
  ACCESS_TOKEN_TTL: env.int({ default: 900, min: 1, max: 86_400 }),
  USERS_ADDR: env.address({ devDefault: '127.0.0.1:50051' }),
  NOTES_ADDR: env.address({ devDefault: '127.0.0.1:50052' }),
  // new:service address (npm run new:service adds the address variable of each new service above this line)
  /**
   * Deadline of a call to a service, in milliseconds; the calls that hash a password or call another
   * service get a quarter more (2.5 s). A service that is down or frozen costs a request at most that.
   */
  GRPC_TIMEOUT_MS: env.int({ default: 2_000, min: 1, max: 60_000 }),
  TRUST_PROXY: trustProxy(),
  /** Requests are refused (503 + Retry-After) while the mean event-loop delay is above this, in ms; 0: never. */
  LOAD_SHED_EVENT_LOOP_DELAY_MS: env.int({ default: 500, min: 0, max: 60_000 }),
  /**
   * Login and signup attempts allowed per client IP and window by this gateway process alone (five
   * times as many refreshes): a coarse first line against floods. The limits that hold across every
   * gateway replica are counted by the users service (LOGIN_MAX_FAILURES_PER_ACCOUNT, …).
   */
  RATE_LIMIT_AUTH_MAX: env.int({ default: 100, min: 1 }),
  RATE_LIMIT_AUTH_WINDOW_MS: env.int({ default: 60_000, min: 1 }),
};

export type GatewayConfig = ConfigOf<typeof configSpec>;

export function loadGatewayConfig(source: NodeJS.ProcessEnv = process.env): GatewayConfig {
  return loadConfig(configSpec, source);
}
