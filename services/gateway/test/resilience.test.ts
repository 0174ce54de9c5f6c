// How the gateway behaves when an upstream misbehaves: too slow, down, failing with internals in its
// error, or a client that goes away. The upstream here is a real gRPC server (the platform's own
// bootstrap) with a users implementation that does what each test needs.
import { request as httpRequest } from 'node:http';
import { UsersServiceDefinition } from '@app/users';
import { startTestGrpcServer, type TestGrpcServer } from '@app/devkit';
import { ServerError, Status, type CallContext, type ServiceImplementation } from 'nice-grpc';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  closedAddress,
  craftToken,
  expectError,
  INTERNALS,
  startGateway,
  validClaims,
  type Gateway,
} from './helpers.js';

type Behaviour = (context: CallContext) => Promise<unknown>;

/** What every users call does next; set by each test. */
let behaviour: Behaviour;
/** Resolves with whether the call's signal was aborted, once a hanging call ends. */
let cancelled: Promise<boolean>;

const hang: Behaviour = (context) => {
  cancelled = new Promise((resolve) => {
    context.signal.addEventListener('abort', () => resolve(true), { once: true });
    setTimeout(() => resolve(false), 5_000).unref();
  });
  return cancelled.then(() => {
    throw new ServerError(Status.CANCELLED, 'cancelled');
  });
};

const users = new Proxy({} as ServiceImplementation<typeof UsersServiceDefinition>, {
  get: () => (_request: unknown, context: CallContext) => behaviour(context),
});

let upstream: TestGrpcServer;
let gateway: Gateway;
const ID = '00000000-0000-4000-8000-000000000000';

beforeAll(async () => {
  upstream = await startTestGrpcServer((server) => server.add(UsersServiceDefinition, users));
  gateway = await startGateway({
    USERS_ADDR: upstream.address,
    NOTES_ADDR: await closedAddress(),
    GRPC_TIMEOUT_MS: '300',
  });
});

afterAll(async () => {
  await gateway?.close();
  await upstream?.shutdown();
});

beforeEach(() => {
  behaviour = async () => {
    throw new ServerError(Status.UNIMPLEMENTED, 'not set');
  };
});

const login = () =>
  gateway.app.inject({
    method: 'POST',
    url: '/api/auth/login',
    payload: { email: 'a@example.com', password: 'password1' },
  });
const auth = () => ({ authorization: `Bearer ${craftToken(validClaims(gateway.config, ID))}` });

describe('identity', () => {
  it('passes the token subject as the caller id, and never a client-sent x-user-id header', async () => {
    const seen: (string | undefined)[] = [];
    const createdAt = new Date().toISOString();
    behaviour = async (context) => {
      seen.push(context.metadata.get('x-user-id'));
      return {
        user: { id: ID, email: 'a@example.com', name: 'A', createdAt },
        refreshToken: { token: 'opaque', expiresAt: createdAt },
      };
    };
    const me = await gateway.app.inject({
      method: 'GET',
      url: '/api/me',
      headers: { ...auth(), 'x-user-id': 'attacker' },
    });
    expect(me.statusCode).toBe(200);
    expect(seen).toEqual([ID]);

    seen.length = 0;
    const anonymous = await gateway.app.inject({
      method: 'POST',
      url: '/api/auth/signup',
      headers: { 'x-user-id': 'attacker' },
      payload: { email: 'a@example.com', password: 'password1', name: 'A' },
    });
    expect(anonymous.statusCode).toBe(201);
    expect(seen).toEqual([undefined]);
  });
});

describe('deadlines', () => {
  it('answers 504 DEADLINE_EXCEEDED when a service does not answer in time, and cancels the call', async () => {
    behaviour = hang;
    const started = Date.now();
    const response = await login();
    expectError(response, 504, 'DEADLINE_EXCEEDED');
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await cancelled).toBe(true);
  });
});

describe('a client that goes away', () => {
  it('cancels the gRPC call it caused', async () => {
    behaviour = hang;
    await gateway.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = gateway.app.server.address() as { port: number };
    const client = httpRequest({ host: '127.0.0.1', port, method: 'GET', path: '/api/me', headers: auth() });
    client.on('error', () => {});
    client.end();
    await new Promise((resolve) => setTimeout(resolve, 100)); // the call reaches the upstream
    client.destroy();
    // Cancelled well before the 300 ms deadline would have ended it.
    const started = Date.now();
    expect(await cancelled).toBe(true);
    expect(Date.now() - started).toBeLessThan(250);
  });
});

describe('a client that stays', () => {
  it('is not cancelled once its POST body has been read (real HTTP, not inject)', async () => {
    const now = new Date().toISOString();
    behaviour = async () => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      return {
        user: { id: ID, email: 'a@example.com', name: 'A', createdAt: now },
        refreshToken: { token: 'opaque', expiresAt: now },
      };
    };
    if (!gateway.app.server.listening) await gateway.app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = gateway.app.server.address() as { port: number };
    const response = await fetch(`http://127.0.0.1:${port}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'a@example.com', password: 'password1' }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ refreshToken: 'opaque', tokenType: 'Bearer' });
  });
});

describe('upstream failures', () => {
  it('answers 503 quickly when a service is down, and /readyz 503', async () => {
    const started = Date.now();
    const response = await gateway.app.inject({ method: 'GET', url: '/api/notes', headers: auth() });
    expectError(response, 503, 'UNAVAILABLE');
    expect(Date.now() - started).toBeLessThan(1_000);

    const ready = await gateway.app.inject({ method: 'GET', url: '/readyz' });
    expect(expectError(ready, 503, 'UNAVAILABLE')).toBe('Not ready: notes unavailable');
    expect(Date.now() - started).toBeLessThan(2_500);
    expect((await gateway.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  it.each([
    [Status.INTERNAL, 500, 'INTERNAL'],
    [Status.UNKNOWN, 500, 'INTERNAL'],
    [Status.DATA_LOSS, 500, 'INTERNAL'],
    [Status.FAILED_PRECONDITION, 500, 'INTERNAL'],
    [Status.UNAVAILABLE, 503, 'UNAVAILABLE'],
    [Status.DEADLINE_EXCEEDED, 504, 'DEADLINE_EXCEEDED'],
  ] as const)('never passes on the message of a %s error (→ %s)', async (status, statusCode, code) => {
    behaviour = async () => {
      throw new ServerError(
        status,
        'select * from users where id = $1 failed: connect ECONNREFUSED 10.1.2.3:5432 at /app/src/db.ts:12',
      );
    };
    const response = await login();
    expectError(response, statusCode, code);
    expect(response.body).not.toMatch(INTERNALS);
    expect(response.body).not.toContain('10.1.2.3');
  });

  it.each([
    [Status.INVALID_ARGUMENT, 400, 'INVALID_ARGUMENT'],
    [Status.UNAUTHENTICATED, 401, 'UNAUTHENTICATED'],
    [Status.PERMISSION_DENIED, 403, 'PERMISSION_DENIED'],
    [Status.NOT_FOUND, 404, 'NOT_FOUND'],
    [Status.ALREADY_EXISTS, 409, 'ALREADY_EXISTS'],
    [Status.RESOURCE_EXHAUSTED, 429, 'RESOURCE_EXHAUSTED'],
  ] as const)('maps %s to %s and passes its safe message on', async (status, statusCode, code) => {
    behaviour = async () => {
      throw new ServerError(status, 'A safe message');
    };
    expect(expectError(await login(), statusCode, code)).toBe('A safe message');
  });

  it('answers 500 when a service answers without a required field', async () => {
    behaviour = async () => ({ user: { id: ID, email: 'a@example.com', name: 'A', createdAt: undefined } });
    expect(expectError(await login(), 500, 'INTERNAL')).toBe('Internal error');
  });
});

describe('no error body carries internals', () => {
  it('holds for every kind of failure', async () => {
    behaviour = async () => {
      throw new Error(
        'TypeError: cannot read properties of undefined (reading "rows") at Pool.query (/work/main/node_modules/pg/lib/pool.js:45:11)',
      );
    };
    const requests = [
      login(),
      gateway.app.inject({ method: 'GET', url: '/api/notes', headers: auth() }),
      gateway.app.inject({ method: 'GET', url: '/readyz' }),
      gateway.app.inject({ method: 'GET', url: '/api/me', headers: { authorization: 'Bearer x.y.z' } }),
      gateway.app.inject({ method: 'GET', url: '/api/notes/not-a-uuid', headers: auth() }),
      gateway.app.inject({ method: 'GET', url: '/api/notes?limit=1000', headers: auth() }),
      gateway.app.inject({ method: 'GET', url: '/no/such/route' }),
      gateway.app.inject({
        method: 'POST',
        url: '/api/auth/signup',
        payload: { email: 'x', password: 'y', name: '', extra: 1 },
      }),
      gateway.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        headers: { 'content-type': 'application/json' },
        payload: '{"a":',
      }),
      gateway.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        headers: { 'content-type': 'application/json' },
        payload: `{"email":"${'a'.repeat(2 * 1024 * 1024)}"}`,
      }),
      gateway.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        headers: { 'content-type': 'application/xml' },
        payload: '<a/>',
      }),
      gateway.app.inject({ method: 'GET', url: '/api/notes/%E0%A4%A', headers: auth() }),
    ];
    const responses = await Promise.all(requests);
    for (const response of responses) {
      expect(response.statusCode).toBeGreaterThanOrEqual(400);
      const body = response.json<{ error: { code: string; message: string } }>();
      expect(Object.keys(body), response.body).toEqual(['error']);
      expect(response.body, response.body).not.toMatch(INTERNALS);
    }
    expect(responses[0]!.json()).toEqual({ error: { code: 'INTERNAL', message: 'Internal error' } });
  });
});
