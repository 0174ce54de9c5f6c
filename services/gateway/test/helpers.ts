// Test wiring: the real users and notes services (their own processes, on fresh databases) and the
// gateway app on top of them, plus helpers to speak to it over HTTP (`app.inject`).
import { createHmac } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import {
  createTestDatabase,
  freePort,
  startServiceProcess,
  type ServiceProcess,
  type TestDatabase,
} from '@app/devkit';
import { expect } from 'vitest';
import { buildApp } from '../src/app.js';
import { loadGatewayConfig, type GatewayConfig } from '../src/config.js';
import { connectUpstreams, type Upstreams } from '../src/upstreams.js';

export const TEST_SECRET = 'test-secret-of-the-gateway-at-least-32-chars';
const servicesDir = fileURLToPath(new URL('../../', import.meta.url));

export type App = ReturnType<typeof buildApp>;

export interface Service {
  process: ServiceProcess;
  database: TestDatabase;
  stop(): Promise<void>;
}

function service(child: ServiceProcess, database: TestDatabase): Service {
  return {
    process: child,
    database,
    async stop() {
      await child.stop();
      await database.drop();
    },
  };
}

export async function startUsers(env: Record<string, string> = {}): Promise<Service> {
  const database = await createTestDatabase('gw_users');
  const child = await startServiceProcess({
    cwd: `${servicesDir}users`,
    env: { DATABASE_URL: database.url, ...env },
  });
  return service(child, database);
}

export async function startNotes(usersAddr: string): Promise<Service> {
  const database = await createTestDatabase('gw_notes');
  const child = await startServiceProcess({
    cwd: `${servicesDir}notes`,
    env: { DATABASE_URL: database.url, USERS_ADDR: usersAddr },
  });
  return service(child, database);
}

/** An address where nothing listens. */
export async function closedAddress(): Promise<string> {
  return `127.0.0.1:${await freePort()}`;
}

export function testConfig(env: Record<string, string>): GatewayConfig {
  return loadGatewayConfig({
    NODE_ENV: 'test',
    JWT_SECRET: TEST_SECRET,
    RATE_LIMIT_AUTH_MAX: '1000',
    // A test worker on a busy machine lags; load shedding is tested on its own (limits.test.ts).
    LOAD_SHED_EVENT_LOOP_DELAY_MS: '0',
    ...env,
  });
}

export interface Gateway {
  app: App;
  config: GatewayConfig;
  upstreams: Upstreams;
  close(): Promise<void>;
}

/** The gateway app (not listening; use `app.inject`) in front of the given addresses. */
export async function startGateway(env: Record<string, string>): Promise<Gateway> {
  const config = testConfig(env);
  const upstreams = connectUpstreams(config);
  const app = buildApp({ config, upstreams });
  await app.ready();
  return {
    app,
    config,
    upstreams,
    close: async () => {
      await app.close();
      upstreams.close();
    },
  };
}

let counter = 0;
/** A fresh, unique email. */
export function uniqueEmail(prefix = 'user'): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${counter}@example.com`;
}

export const PASSWORD = 'correct horse battery staple';

export interface Session {
  userId: string;
  email: string;
  accessToken: string;
  refreshToken: string;
  auth: { authorization: string };
}

export async function signupAndLogin(app: App, email = uniqueEmail()): Promise<Session> {
  const signup = await app.inject({
    method: 'POST',
    url: '/api/auth/signup',
    payload: { email, password: PASSWORD, name: 'Test' },
  });
  expect(signup.statusCode, signup.body).toBe(201);
  const login = await app.inject({
    method: 'POST',
    url: '/api/auth/login',
    payload: { email, password: PASSWORD },
  });
  expect(login.statusCode, login.body).toBe(200);
  const { accessToken, refreshToken } = login.json<{ accessToken: string; refreshToken: string }>();
  return {
    userId: signup.json<{ user: { id: string } }>().user.id,
    email,
    accessToken,
    refreshToken,
    auth: { authorization: `Bearer ${accessToken}` },
  };
}

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A JWT made by hand, to try what a forger would: other keys, algorithms, claims. */
export function craftToken(
  payload: Record<string, unknown>,
  {
    secret = TEST_SECRET,
    header = { alg: 'HS256', typ: 'JWT' },
  }: { secret?: string; header?: Record<string, unknown> } = {},
): string {
  const input = `${base64url(header)}.${base64url(payload)}`;
  const signature =
    header.alg === 'none' ? '' : createHmac('sha256', secret).update(input).digest('base64url');
  return `${input}.${signature}`;
}

/** Claims the gateway accepts, for `sub`, unless overridden. */
export function validClaims(config: GatewayConfig, sub: string, overrides: Record<string, unknown> = {}) {
  const now = Math.floor(Date.now() / 1000);
  return { sub, iss: config.JWT_ISSUER, aud: config.JWT_AUDIENCE, iat: now, exp: now + 600, ...overrides };
}

/** The error body every failure has. */
export function expectError(
  response: { statusCode: number; json(): unknown },
  statusCode: number,
  code: string,
) {
  expect(response.statusCode).toBe(statusCode);
  const body = response.json() as { error: { code: string; message: string; details?: unknown } };
  expect(Object.keys(body)).toEqual(['error']);
  expect(Object.keys(body.error)).toEqual(
    body.error.details === undefined ? ['code', 'message'] : ['code', 'message', 'details'],
  );
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe('string');
  expect(body.error.message.length).toBeGreaterThan(0);
  return body.error.message;
}

/** A 400 INVALID_ARGUMENT answer's field violations (`details`), which it must have. */
export function expectDetails(response: { statusCode: number; json(): unknown }) {
  const message = expectError(response, 400, 'INVALID_ARGUMENT');
  const { details } = (response.json() as { error: { details?: { field: string; description: string }[] } })
    .error;
  expect(details, message).toBeInstanceOf(Array);
  expect(details!.length).toBeGreaterThan(0);
  // The message says it all too, for a client that reads only the message.
  for (const { description } of details!) expect(message).toContain(description);
  return details!;
}

/** What must never reach a client: stacks, source paths, SQL, internal addresses, driver errors. */
export const INTERNALS =
  /\bat \S+ \(|\.[cm]?[jt]s:\d+|\/work\/|node_modules|\b(select|insert|update|delete)\b .* \b(from|into|set)\b|postgres|ECONNREFUSED|\b127\.0\.0\.1\b|localhost|:\d{4,5}\b|stack|ClientError|grpc/i;
