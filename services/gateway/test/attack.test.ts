// The AuthN/AuthZ attack matrix against the real users and notes services (OWASP API1 broken object
// level authorization, API2 broken authentication, API5 broken function level authorization):
// every protected route × every kind of bad token → 401; every notes route × every other user →
// never their data (404 when they may not see it, 403 when they only have it shared), and the note
// is unchanged afterwards.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  craftToken,
  expectError,
  signupAndLogin,
  startGateway,
  startNotes,
  startUsers,
  validClaims,
  type Gateway,
  type Service,
  type Session,
} from './helpers.js';

let users: Service;
let notes: Service;
let gateway: Gateway;
let alice: Session; // the owner
let bob: Session; // a stranger
let carol: Session; // the note is shared with her
let note: { id: string; title: string; body: string };

beforeAll(async () => {
  users = await startUsers({ PASSWORD_HASH_COST: '12' });
  notes = await startNotes(users.process.address);
  gateway = await startGateway({ USERS_ADDR: users.process.address, NOTES_ADDR: notes.process.address });
  [alice, bob, carol] = [
    await signupAndLogin(gateway.app),
    await signupAndLogin(gateway.app),
    await signupAndLogin(gateway.app),
  ];
  const created = await gateway.app.inject({
    method: 'POST',
    url: '/api/notes',
    headers: alice.auth,
    payload: { title: 'private plans', body: 'the secret' },
  });
  note = created.json();
  const shared = await gateway.app.inject({
    method: 'POST',
    url: `/api/notes/${note.id}/shares`,
    headers: alice.auth,
    payload: { email: carol.email },
  });
  expect(shared.statusCode).toBe(201);
}, 120_000);

afterAll(async () => {
  await gateway?.close();
  await notes?.stop();
  await users?.stop();
});

/** Every route that needs an access token, with a request that would succeed for the owner. */
const ROUTES = () =>
  [
    { method: 'GET', url: '/api/me' },
    { method: 'GET', url: '/api/notes' },
    { method: 'POST', url: '/api/notes', payload: { title: 't', body: 'b' } },
    { method: 'GET', url: `/api/notes/${note.id}` },
    { method: 'PATCH', url: `/api/notes/${note.id}`, payload: { title: 'changed' } },
    { method: 'DELETE', url: `/api/notes/${note.id}` },
    { method: 'POST', url: `/api/notes/${note.id}/shares`, payload: { email: bob.email } },
    { method: 'GET', url: `/api/notes/${note.id}/shares` },
    { method: 'DELETE', url: `/api/notes/${note.id}/shares/${carol.userId}` },
  ] as const;

/** Bearer values an attacker might send instead of a valid access token of their own. */
const BAD_TOKENS = (): [string, string | undefined][] => {
  const claims = validClaims(gateway.config, alice.userId);
  const now = Math.floor(Date.now() / 1000);
  return [
    ['no token', undefined],
    ['garbage', 'Bearer not-a-token'],
    ['empty bearer', 'Bearer '],
    ['another scheme', `Basic ${Buffer.from('a:b').toString('base64')}`],
    ['expired', `Bearer ${craftToken({ ...claims, iat: now - 3_600, exp: now - 60 })}`],
    ['alg none', `Bearer ${craftToken(claims, { header: { alg: 'none', typ: 'JWT' } })}`],
    ['wrong key', `Bearer ${craftToken(claims, { secret: 'another-secret-of-at-least-32-characters!' })}`],
    ['HS512 with the key', `Bearer ${craftToken(claims, { header: { alg: 'HS512', typ: 'JWT' } })}`],
    ['wrong issuer', `Bearer ${craftToken({ ...claims, iss: 'someone-else' })}`],
    ['wrong audience', `Bearer ${craftToken({ ...claims, aud: 'another-app' })}`],
    ['no subject', `Bearer ${craftToken({ ...claims, sub: undefined })}`],
    ['no expiry', `Bearer ${craftToken({ ...claims, exp: undefined })}`],
    ['signature stripped', `Bearer ${alice.accessToken.split('.').slice(0, 2).join('.')}.`],
    ['payload swapped', `Bearer ${swapPayload(alice.accessToken, { ...claims, sub: bob.userId })}`],
    ['refresh token as access token', `Bearer ${alice.refreshToken}`],
  ];
};

/** A real token with its payload replaced and the original signature kept. */
function swapPayload(token: string, payload: Record<string, unknown>): string {
  const [header, , signature] = token.split('.');
  return `${header}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${signature}`;
}

describe('AuthN: every protected route × every bad token', () => {
  it('answers 401 UNAUTHENTICATED, and changes nothing', async () => {
    let cases = 0;
    for (const [name, authorization] of BAD_TOKENS()) {
      for (const route of ROUTES()) {
        const response = await gateway.app.inject({
          ...route,
          headers: authorization === undefined ? {} : { authorization },
        });
        expect(response.statusCode, `${name}: ${route.method} ${route.url} → ${response.body}`).toBe(401);
        expectError(response, 401, 'UNAUTHENTICATED');
        cases += 1;
      }
    }
    expect(cases).toBe(BAD_TOKENS().length * ROUTES().length);
    const still = await gateway.app.inject({
      method: 'GET',
      url: `/api/notes/${note.id}`,
      headers: alice.auth,
    });
    expect(still.json()).toMatchObject({ title: note.title, body: note.body, sharedWith: [carol.userId] });
  });
});

describe('AuthZ: every notes route × every other user', () => {
  it('a stranger gets 404 for everything about the note (its existence is not revealed)', async () => {
    for (const route of ROUTES().filter((r) => r.url.includes(note.id))) {
      const response = await gateway.app.inject({ ...route, headers: bob.auth });
      expect(response.statusCode, `${route.method} ${route.url} → ${response.body}`).toBe(404);
      expect(response.body).not.toContain(note.title);
      expect(response.body).not.toContain(note.body);
    }
    const list = await gateway.app.inject({ method: 'GET', url: '/api/notes?limit=100', headers: bob.auth });
    expect(list.json<{ notes: { id: string }[] }>().notes.map((n) => n.id)).not.toContain(note.id);
    const me = await gateway.app.inject({ method: 'GET', url: '/api/me', headers: bob.auth });
    expect(me.json()).toMatchObject({ id: bob.userId, email: bob.email });
  });

  it('a user it is shared with may read it and nothing more (403 for every change)', async () => {
    const expected: Record<string, number> = {
      [`GET /api/notes/${note.id}`]: 200,
      [`PATCH /api/notes/${note.id}`]: 403,
      [`DELETE /api/notes/${note.id}`]: 403,
      [`POST /api/notes/${note.id}/shares`]: 403,
      [`GET /api/notes/${note.id}/shares`]: 403,
      [`DELETE /api/notes/${note.id}/shares/${carol.userId}`]: 403,
    };
    for (const route of ROUTES().filter((r) => r.url.includes(note.id))) {
      const response = await gateway.app.inject({ ...route, headers: carol.auth });
      expect(response.statusCode, `${route.method} ${route.url} → ${response.body}`).toBe(
        expected[`${route.method} ${route.url}`],
      );
    }
  });

  it('an identity can only be the token subject: headers and body fields naming another user are ignored or refused', async () => {
    const spoofed = await gateway.app.inject({
      method: 'GET',
      url: `/api/notes/${note.id}`,
      headers: { ...bob.auth, 'x-user-id': alice.userId },
    });
    expect(spoofed.statusCode).toBe(404);
    // Mass assignment: the owner of a new note is the caller, never a field of the body.
    const assigned = await gateway.app.inject({
      method: 'POST',
      url: '/api/notes',
      headers: bob.auth,
      payload: { title: 't', body: 'b', ownerId: alice.userId },
    });
    expectError(assigned, 400, 'INVALID_ARGUMENT');
  });

  it('leaves the note exactly as the owner made it', async () => {
    const still = await gateway.app.inject({
      method: 'GET',
      url: `/api/notes/${note.id}`,
      headers: alice.auth,
    });
    expect(still.statusCode).toBe(200);
    expect(still.json()).toMatchObject({
      id: note.id,
      ownerId: alice.userId,
      title: note.title,
      body: note.body,
      sharedWith: [carol.userId],
    });
  });
});

describe('brute force and floods (throttling kept by the users service)', () => {
  let limited: { users: Service; gateway: Gateway };

  beforeAll(async () => {
    const limitedUsers = await startUsers({
      PASSWORD_HASH_COST: '12',
      LOGIN_MAX_FAILURES_PER_ACCOUNT: '3',
      SIGNUP_MAX_PER_IP: '3',
      REFRESH_MAX_PER_IP: '3',
    });
    const limitedGateway = await startGateway({
      USERS_ADDR: limitedUsers.process.address,
      NOTES_ADDR: notes.process.address,
    });
    limited = { users: limitedUsers, gateway: limitedGateway };
  }, 120_000);

  afterAll(async () => {
    await limited?.gateway.close();
    await limited?.users.stop();
  });

  const expectThrottled = (response: Awaited<ReturnType<Gateway['app']['inject']>>, what: string) => {
    expect(response.statusCode, `${what}: ${response.body}`).toBe(429);
    expectError(response, 429, 'RESOURCE_EXHAUSTED');
    expect(Number(response.headers['retry-after']), `${what}: Retry-After`).toBeGreaterThan(0);
  };

  it('log-in: wrong passwords for one account are cut off with 429 and Retry-After', async () => {
    const victim = await signupAndLogin(limited.gateway.app);
    const attempt = () =>
      limited.gateway.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { email: victim.email, password: 'guessing wrong' },
      });
    for (let i = 0; i < 3; i++) expect((await attempt()).statusCode).toBe(401);
    expectThrottled(await attempt(), 'login after 3 failures');
  });

  it('sign-up and refresh floods from one IP are cut off with 429 and Retry-After', async () => {
    const signup = (i: number) =>
      limited.gateway.app.inject({
        method: 'POST',
        url: '/api/auth/signup',
        payload: { email: `flood-${Date.now()}-${i}@example.com`, password: 'long enough', name: 'F' },
      });
    const answers = [];
    for (let i = 0; i < 5; i++) answers.push(await signup(i));
    expectThrottled(answers[answers.length - 1]!, 'signup flood');

    const refresh = () =>
      limited.gateway.app.inject({
        method: 'POST',
        url: '/api/auth/refresh',
        payload: { refreshToken: 'not-a-real-token' },
      });
    const refreshes = [];
    for (let i = 0; i < 5; i++) refreshes.push(await refresh());
    expectThrottled(refreshes[refreshes.length - 1]!, 'refresh flood');
  });
});
