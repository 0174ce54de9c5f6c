// Property-based fuzzing of every route of the gateway, in front of the REAL users and notes services
// (their own processes, on fresh databases): thousands of generated hostile requests — wrong types,
// missing and extra fields, huge and empty strings, NUL and other control characters, lone
// surrogates, deep nesting, invalid JSON, wrong content types, malformed UUIDs and cursors, hostile
// headers and tokens. For every answer: never a 5xx, always the error shape, nothing internal; and
// afterwards every process is still healthy and serves a normal request.
// FUZZ_RUNS sets the number of requests (npm test: 1500; npm run test:resilience: more).
import { fuzz, recordFigure } from '@app/devkit';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectError,
  signupAndLogin,
  startGateway,
  startNotes,
  startUsers,
  uniqueEmail,
  type Gateway,
  type Service,
  type Session,
} from './helpers.js';

const {
  anyJson,
  deepJson,
  hostileBody,
  hostileCursor,
  hostileId,
  hostileString,
  invalidJson,
  textWithNastyChars,
} = fuzz;
const RUNS = Number(process.env.FUZZ_RUNS ?? 1_500);

let users: Service;
let notes: Service;
let gateway: Gateway;
let alice: Session;
let bob: Session;
let aliceNote: string;

beforeAll(async () => {
  users = await startUsers({ PASSWORD_HASH_COST: '12' });
  notes = await startNotes(users.process.address);
  gateway = await startGateway({ USERS_ADDR: users.process.address, NOTES_ADDR: notes.process.address });
  [alice, bob] = [await signupAndLogin(gateway.app), await signupAndLogin(gateway.app)];
  const created = await gateway.app.inject({
    method: 'POST',
    url: '/api/notes',
    headers: alice.auth,
    payload: { title: 'a note of alice', body: 'secret' },
  });
  aliceNote = created.json<{ id: string }>().id;
}, 120_000);

afterAll(async () => {
  await gateway?.close();
  await notes?.stop();
  await users?.stop();
});

/** Percent-encodes every byte but the unreserved ones (a lone surrogate becomes U+FFFD's bytes). */
const encode = (value: string) =>
  [...Buffer.from(value, 'utf8')]
    .map((byte) =>
      /[A-Za-z0-9\-._~]/.test(String.fromCharCode(byte))
        ? String.fromCharCode(byte)
        : `%${byte.toString(16).padStart(2, '0').toUpperCase()}`,
    )
    .join('');

/** A path segment: a real id, a hostile one (encoded), or a raw malformed escape. */
const segment = fc.oneof(
  { weight: 2, arbitrary: fc.constant(() => aliceNote) },
  { weight: 1, arbitrary: fc.constant(() => bob.userId) },
  { weight: 6, arbitrary: hostileId.map((id) => () => encode(id)) },
  {
    weight: 1,
    arbitrary: fc.constantFrom('%', '%ZZ', '%E0%A4%A', '%00', '..', '%2F').map((raw) => () => raw),
  },
);

const email = fc.emailAddress();
/** A value that passes the gateway's schema but carries any character (NUL, lone surrogates, …). */
const text = (minLength: number) =>
  fc.oneof(
    fc.string({ minLength }),
    fc.string({ unit: 'binary', minLength, maxLength: 50 }),
    textWithNastyChars(minLength),
  );
const ROUTES: { method: string; path: string; body?: Record<string, fc.Arbitrary<unknown>> }[] = [
  { method: 'GET', path: '/healthz' },
  { method: 'GET', path: '/readyz' },
  {
    method: 'POST',
    path: '/api/auth/signup',
    body: { email, password: text(8), name: text(1) },
  },
  { method: 'POST', path: '/api/auth/login', body: { email, password: text(1) } },
  { method: 'POST', path: '/api/auth/refresh', body: { refreshToken: text(1) } },
  { method: 'POST', path: '/api/auth/logout', body: { refreshToken: text(1) } },
  { method: 'GET', path: '/api/me' },
  { method: 'GET', path: '/api/notes' },
  { method: 'POST', path: '/api/notes', body: { title: text(1), body: text(0) } },
  { method: 'GET', path: '/api/notes/:id' },
  {
    method: 'PATCH',
    path: '/api/notes/:id',
    body: { title: text(1), body: text(0) },
  },
  { method: 'DELETE', path: '/api/notes/:id' },
  { method: 'POST', path: '/api/notes/:id/shares', body: { email } },
  { method: 'GET', path: '/api/notes/:id/shares' },
  { method: 'DELETE', path: '/api/notes/:id/shares/:userId' },
];

const headerValue = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
  maxLength: 60,
});

/** Who the request claims to be: alice, bob, nobody, or a forged/garbled token. */
const authorization = fc.oneof(
  { weight: 8, arbitrary: fc.constant(() => alice.auth.authorization) },
  { weight: 4, arbitrary: fc.constant(() => bob.auth.authorization) },
  fc.constant(() => undefined),
  fc.constant(() => `Bearer ${alice.refreshToken}`),
  headerValue.map((value) => () => value),
  headerValue.map((value) => () => `Bearer ${value}`),
  fc.constant(() => `Bearer ${alice.accessToken.slice(0, -4)}AAAA`),
  fc.constant(() => `Bearer ${alice.accessToken.split('.').slice(0, 2).join('.')}.`),
);

const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'APPLICATION/JSON',
  'application/json; charset=latin1',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  'application/octet-stream',
  '',
  'application/json, text/plain',
  '*/*',
);

/** The body as sent: JSON of a hostile object, invalid JSON, deep nesting, or any JSON value. */
function payloadFor(route: (typeof ROUTES)[number]): fc.Arbitrary<string | undefined> {
  return fc.oneof(
    { weight: 6, arbitrary: hostileBody(route.body ?? { x: anyJson }).map((body) => JSON.stringify(body)) },
    { weight: 1, arbitrary: invalidJson },
    { weight: 1, arbitrary: deepJson },
    { weight: 1, arbitrary: anyJson.map((value) => JSON.stringify(value) ?? 'null') },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
}

const query = fc.oneof(
  fc.constant(''),
  fc
    .record(
      {
        limit: fc.oneof(fc.integer({ min: -5, max: 200 }).map(String), hostileString),
        cursor: hostileCursor,
        extra: hostileString,
      },
      { requiredKeys: [] },
    )
    .map(
      (params) =>
        `?${Object.entries(params)
          .map(([k, v]) => `${k}=${encode(v)}`)
          .join('&')}`,
    ),
  fc.constantFrom(
    '?limit=1&limit=2',
    '?cursor[]=a',
    '?limit[$gt]=1',
    '?%ZZ=1',
    '?limit=1e2',
    '?limit=0x10',
    '?limit=%00',
  ),
);

const request = fc.constantFrom(...ROUTES).chain((route) =>
  fc.record({
    route: fc.constant(route),
    id: segment,
    userId: segment,
    query,
    payload:
      route.method === 'GET' || route.method === 'DELETE'
        ? fc.option(payloadFor(route), { freq: 8 })
        : payloadFor(route),
    contentType: fc.option(contentType, { freq: 5 }),
    authorization,
    extraHeaders: fc.dictionary(
      fc.constantFrom(
        'x-user-id',
        'x-forwarded-for',
        'accept',
        'accept-encoding',
        'x-http-method-override',
        'cookie',
        'origin',
        'x-request-id',
      ),
      headerValue,
      { maxKeys: 3 },
    ),
  }),
);

/** A path the gateway itself shows back (404 "Route … not found") is the client's input, not internals. */
const INTERNAL =
  /\bat \S+ \(|\.[cm]?[jt]s:\d+|node_modules|\/work\/|ECONNREFUSED|\b127\.0\.0\.1:\d+|ClientError|DriverException|syntax error at|violates|duplicate key|invalid input syntax|pg_|stack/i;

describe('fuzzing every route', () => {
  it(`answers ${RUNS} hostile requests without a 5xx, in the error shape, with nothing internal`, async () => {
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(
        request,
        async ({ route, id, userId, query, payload, contentType, authorization, extraHeaders }) => {
          const url = route.path.replace(':id', id()).replace(':userId', userId()) + query;
          const headers: Record<string, string> = { ...extraHeaders };
          const auth = authorization();
          if (auth !== undefined) headers.authorization = auth;
          if (payload !== undefined && payload !== null)
            headers['content-type'] = contentType ?? 'application/json';
          const response = await gateway.app.inject({
            method: route.method as 'GET',
            url,
            headers,
            ...(payload !== undefined && payload !== null ? { payload } : {}),
          });
          statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
          expect(response.statusCode, `${route.method} ${url} → ${response.body}`).toBeLessThan(500);
          if (response.statusCode >= 400) {
            const body = response.json<{ error: { code: string; message: string } }>();
            expect(Object.keys(body), response.body).toEqual(['error']);
            expect(typeof body.error.code).toBe('string');
            expect(typeof body.error.message).toBe('string');
            const shown = body.error.message.replace(url.split('?')[0]!.slice(0, 200), '');
            expect(shown, response.body).not.toMatch(INTERNAL);
          }
        },
      ),
      { numRuns: RUNS, interruptAfterTimeLimit: 240_000 },
    );
    const answered = [...statuses.values()].reduce((a, b) => a + b, 0);
    recordFigure('fuzz: gateway, every route (HTTP)', {
      requests: answered,
      '5xx': 0,
      statuses: [...statuses.entries()]
        .sort(([a], [b]) => a - b)
        .map(([s, n]) => `${s}×${n}`)
        .join(' '),
    });
  }, 300_000);

  it('leaves every process healthy and serving', async () => {
    expect((await gateway.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    expect(users.process.child.exitCode).toBeNull();
    expect(notes.process.child.exitCode).toBeNull();
    const carol = await signupAndLogin(gateway.app, uniqueEmail('carol'));
    const created = await gateway.app.inject({
      method: 'POST',
      url: '/api/notes',
      headers: carol.auth,
      payload: { title: 'after the fuzz', body: 'still works' },
    });
    expect(created.statusCode).toBe(201);
    // The note of alice was neither read nor changed by anyone else.
    const note = await gateway.app.inject({
      method: 'GET',
      url: `/api/notes/${aliceNote}`,
      headers: alice.auth,
    });
    if (note.statusCode === 200) expect(note.json()).toMatchObject({ ownerId: alice.userId });
    else expectError(note, 404, 'NOT_FOUND'); // alice herself may have deleted it during the fuzz
  });
});

describe('text the database cannot store', () => {
  it('answers 400 INVALID_ARGUMENT, not 503, for a NUL character in a note or an account', async () => {
    const create = await gateway.app.inject({
      method: 'POST',
      url: '/api/notes',
      headers: alice.auth,
      payload: { title: 'nul \u0000 inside', body: 'x' },
    });
    expectError(create, 400, 'INVALID_ARGUMENT');
    const patch = await gateway.app.inject({
      method: 'PATCH',
      url: `/api/notes/${aliceNote}`,
      headers: alice.auth,
      payload: { body: '\u0000' },
    });
    expect([400, 404]).toContain(patch.statusCode);
    const signup = await gateway.app.inject({
      method: 'POST',
      url: '/api/auth/signup',
      payload: { email: uniqueEmail(), password: 'long enough', name: 'n\u0000' },
    });
    expectError(signup, 400, 'INVALID_ARGUMENT');
    const login = await gateway.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { email: 'a\u0000@example.com', password: 'whatever1' },
    });
    expect([400, 401]).toContain(login.statusCode);
    // And the database is fine afterwards.
    expect(
      (await gateway.app.inject({ method: 'GET', url: '/api/notes', headers: alice.auth })).statusCode,
    ).toBe(200);
  });
});
