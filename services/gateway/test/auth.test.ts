// The auth part of the REST contract, over HTTP through the real gateway and the real users service.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  closedAddress,
  craftToken,
  expectDetails,
  expectError,
  PASSWORD,
  signupAndLogin,
  startGateway,
  startUsers,
  uniqueEmail,
  validClaims,
  type Gateway,
  type Service,
} from './helpers.js';

let users: Service;
let gateway: Gateway;

beforeAll(async () => {
  // Reuse detection at once: no grace window for concurrent refreshes (see throttle.test.ts for it).
  users = await startUsers({ REFRESH_REUSE_GRACE_SECONDS: '0' });
  gateway = await startGateway({ USERS_ADDR: users.process.address, NOTES_ADDR: await closedAddress() });
});

afterAll(async () => {
  await gateway?.close();
  await users?.stop();
});

const post = (url: string, payload: unknown, headers: Record<string, string> = {}) =>
  gateway.app.inject({ method: 'POST', url, payload: payload as object, headers });
const me = (authorization?: string) =>
  gateway.app.inject({ method: 'GET', url: '/api/me', headers: authorization ? { authorization } : {} });

describe('the whole auth flow', () => {
  it('signs up, logs in, reads /api/me, refreshes, logs out', async () => {
    const email = uniqueEmail('flow');
    const signup = await post('/api/auth/signup', { email, password: PASSWORD, name: 'Ada' });
    expect(signup.statusCode).toBe(201);
    const { user } = signup.json();
    expect(Object.keys(user).sort()).toEqual(['createdAt', 'email', 'id', 'name']);
    expect(user).toMatchObject({ email, name: 'Ada' });
    expect(user.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Date(user.createdAt).toISOString()).toBe(user.createdAt);

    const login = await post('/api/auth/login', { email, password: PASSWORD });
    expect(login.statusCode).toBe(200);
    const pair = login.json();
    expect(Object.keys(pair).sort()).toEqual(['accessToken', 'expiresIn', 'refreshToken', 'tokenType']);
    expect(pair).toMatchObject({ tokenType: 'Bearer', expiresIn: 900 });

    // The access token: HS256, 15 minutes, sub = user id, issuer and audience set.
    const [header, claims] = pair.accessToken
      .split('.')
      .slice(0, 2)
      .map((part: string) => JSON.parse(Buffer.from(part, 'base64url').toString()));
    expect(header.alg).toBe('HS256');
    expect(claims).toMatchObject({
      sub: user.id,
      iss: gateway.config.JWT_ISSUER,
      aud: gateway.config.JWT_AUDIENCE,
    });
    expect(claims.exp - claims.iat).toBe(900);

    const meResponse = await me(`Bearer ${pair.accessToken}`);
    expect(meResponse.statusCode).toBe(200);
    expect(meResponse.json()).toEqual(user);

    const refreshed = await post('/api/auth/refresh', { refreshToken: pair.refreshToken });
    expect(refreshed.statusCode).toBe(200);
    const next = refreshed.json();
    expect(next).toMatchObject({ tokenType: 'Bearer', expiresIn: 900 });
    expect(next.refreshToken).not.toBe(pair.refreshToken);
    expect((await me(`Bearer ${next.accessToken}`)).json()).toEqual(user);

    const logout = await post('/api/auth/logout', { refreshToken: next.refreshToken });
    expect(logout.statusCode).toBe(204);
    expect(logout.body).toBe('');
    expectError(await post('/api/auth/refresh', { refreshToken: next.refreshToken }), 401, 'UNAUTHENTICATED');
  });
});

describe('signup', () => {
  it('answers a session with the account: its access token works and its refresh token rotates', async () => {
    const email = uniqueEmail('session');
    const signup = await post('/api/auth/signup', { email, password: PASSWORD, name: 'Ada' });
    expect(signup.statusCode).toBe(201);
    const { user, session } = signup.json();
    expect(Object.keys(session).sort()).toEqual(['accessToken', 'expiresIn', 'refreshToken', 'tokenType']);
    expect((await me(`Bearer ${session.accessToken}`)).json()).toMatchObject({ id: user.id, email });
    const refreshed = await post('/api/auth/refresh', { refreshToken: session.refreshToken });
    expect(refreshed.statusCode).toBe(200);
  });

  it('rejects an email taken in another letter case with 409', async () => {
    const email = uniqueEmail('case');
    expect((await post('/api/auth/signup', { email, password: PASSWORD, name: 'A' })).statusCode).toBe(201);
    const again = await post('/api/auth/signup', {
      email: email.toUpperCase(),
      password: PASSWORD,
      name: 'B',
    });
    expectError(again, 409, 'ALREADY_EXISTS');
  });

  it('rejects a malformed email with 400 naming the field', async () => {
    const details = expectDetails(
      await post('/api/auth/signup', { email: 'not-an-email', password: PASSWORD, name: 'A' }),
    );
    expect(details).toEqual([{ field: 'email', description: 'email must be a valid email address' }]);
  });

  it('rejects a password shorter than 8 or longer than 256 characters with 400', async () => {
    const short = expectDetails(
      await post('/api/auth/signup', { email: uniqueEmail(), password: 'short', name: 'A' }),
    );
    expect(short).toEqual([
      { field: 'password', description: 'password must be at least 8 characters long' },
    ]);
    expectError(
      await post('/api/auth/signup', { email: uniqueEmail(), password: 'x'.repeat(257), name: 'A' }),
      400,
      'INVALID_ARGUMENT',
    );
  });

  it('rejects an empty or too long name, and missing fields, with 400', async () => {
    expectError(
      await post('/api/auth/signup', { email: uniqueEmail(), password: PASSWORD, name: '' }),
      400,
      'INVALID_ARGUMENT',
    );
    expectError(
      await post('/api/auth/signup', { email: uniqueEmail(), password: PASSWORD, name: 'n'.repeat(101) }),
      400,
      'INVALID_ARGUMENT',
    );
    const missing = expectDetails(
      await post('/api/auth/signup', { email: uniqueEmail(), password: PASSWORD }),
    );
    expect(missing).toEqual([{ field: 'name', description: 'name is required' }]);
  });

  it("passes on the users service's field violations: a name of spaces is empty once trimmed", async () => {
    const details = expectDetails(
      await post('/api/auth/signup', { email: uniqueEmail(), password: PASSWORD, name: '   ' }),
    );
    expect(details).toEqual([{ field: 'name', description: 'name must be 1 to 100 characters long' }]);
  });

  it('rejects an unknown body field with 400 naming it, and stores nothing', async () => {
    const email = uniqueEmail('extra');
    const response = await post('/api/auth/signup', { email, password: PASSWORD, name: 'A', isAdmin: true });
    expect(expectDetails(response)).toEqual([{ field: 'isAdmin', description: 'isAdmin is not allowed' }]);
    // Nothing was created: the same email can sign up now.
    expect((await post('/api/auth/signup', { email, password: PASSWORD, name: 'A' })).statusCode).toBe(201);
  });
});

describe('login', () => {
  it('answers a wrong password and an unknown email with the same 401 body', async () => {
    const { email } = await signupAndLogin(gateway.app);
    const wrongPassword = await post('/api/auth/login', { email, password: 'wrong password!' });
    const unknownEmail = await post('/api/auth/login', { email: uniqueEmail('nobody'), password: PASSWORD });
    expectError(wrongPassword, 401, 'UNAUTHENTICATED');
    expect(unknownEmail.statusCode).toBe(401);
    expect(unknownEmail.body).toBe(wrongPassword.body);
  });

  it('logs in with the email in another letter case', async () => {
    const { email } = await signupAndLogin(gateway.app);
    expect(
      (await post('/api/auth/login', { email: email.toUpperCase(), password: PASSWORD })).statusCode,
    ).toBe(200);
  });
});

describe('refresh tokens', () => {
  it('rejects a refresh token reused after rotation, and then the whole session', async () => {
    const session = await signupAndLogin(gateway.app);
    const rotated = await post('/api/auth/refresh', { refreshToken: session.refreshToken });
    expect(rotated.statusCode).toBe(200);
    expectError(
      await post('/api/auth/refresh', { refreshToken: session.refreshToken }),
      401,
      'UNAUTHENTICATED',
    );
    // Reuse detection revokes the session: the token issued by the rotation stops working too.
    expectError(
      await post('/api/auth/refresh', { refreshToken: rotated.json().refreshToken }),
      401,
      'UNAUTHENTICATED',
    );
  });

  it('rejects refresh after logout, and unknown tokens', async () => {
    const session = await signupAndLogin(gateway.app);
    expect((await post('/api/auth/logout', { refreshToken: session.refreshToken })).statusCode).toBe(204);
    expectError(
      await post('/api/auth/refresh', { refreshToken: session.refreshToken }),
      401,
      'UNAUTHENTICATED',
    );
    expectError(await post('/api/auth/refresh', { refreshToken: 'no-such-token' }), 401, 'UNAUTHENTICATED');
    expectError(await post('/api/auth/refresh', {}), 400, 'INVALID_ARGUMENT');
  });

  it('logout of an unknown token is still 204', async () => {
    expect((await post('/api/auth/logout', { refreshToken: 'never-issued' })).statusCode).toBe(204);
  });
});

describe('access tokens', () => {
  let session: Awaited<ReturnType<typeof signupAndLogin>>;
  beforeAll(async () => {
    session = await signupAndLogin(gateway.app);
  });

  it('accepts a well-formed token signed with the key (the control for the cases below)', async () => {
    const token = craftToken(validClaims(gateway.config, session.userId));
    expect((await me(`Bearer ${token}`)).statusCode).toBe(200);
  });

  const rejected: [string, () => string | undefined][] = [
    ['no Authorization header', () => undefined],
    ['a scheme other than Bearer', () => `Basic ${Buffer.from('a:b').toString('base64')}`],
    ['Bearer without a token', () => 'Bearer'],
    ['a malformed token', () => 'Bearer not.a.jwt'],
    [
      'a tampered payload',
      () => {
        const [header, , signature] = session.accessToken.split('.');
        const forged = Buffer.from(
          JSON.stringify({ ...validClaims(gateway.config, '00000000-0000-4000-8000-000000000000') }),
        ).toString('base64url');
        return `Bearer ${header}.${forged}.${signature}`;
      },
    ],
    [
      'a tampered signature',
      () => `Bearer ${session.accessToken.slice(0, -2)}${session.accessToken.endsWith('AA') ? 'BB' : 'AA'}`,
    ],
    [
      'alg: none',
      () =>
        `Bearer ${craftToken(validClaims(gateway.config, session.userId), { header: { alg: 'none', typ: 'JWT' } })}`,
    ],
    [
      'another key',
      () =>
        `Bearer ${craftToken(validClaims(gateway.config, session.userId), { secret: 'another-secret-that-is-also-32-characters' })}`,
    ],
    [
      'another HMAC algorithm (HS512)',
      () => {
        const token = craftToken(validClaims(gateway.config, session.userId), {
          header: { alg: 'HS512', typ: 'JWT' },
        });
        return `Bearer ${token}`;
      },
    ],
    [
      'a wrong issuer',
      () => `Bearer ${craftToken(validClaims(gateway.config, session.userId, { iss: 'someone-else' }))}`,
    ],
    [
      'a wrong audience',
      () => `Bearer ${craftToken(validClaims(gateway.config, session.userId, { aud: 'another-app' }))}`,
    ],
    [
      'no issuer and audience',
      () =>
        `Bearer ${craftToken(validClaims(gateway.config, session.userId, { iss: undefined, aud: undefined }))}`,
    ],
    [
      'no subject',
      () => `Bearer ${craftToken(validClaims(gateway.config, session.userId, { sub: undefined }))}`,
    ],
    [
      'no expiry',
      () => `Bearer ${craftToken(validClaims(gateway.config, session.userId, { exp: undefined }))}`,
    ],
    [
      'an expired token',
      () => {
        const now = Math.floor(Date.now() / 1000);
        return `Bearer ${craftToken(validClaims(gateway.config, session.userId, { iat: now - 1000, exp: now - 100 }))}`;
      },
    ],
  ];

  it.each(rejected)('answers 401 with the same body for %s', async (_case, authorization) => {
    const response = await me(authorization());
    const message = expectError(response, 401, 'UNAUTHENTICATED');
    expect(message).toBe('Missing or invalid access token');
  });

  it('answers 401 for a valid token of an account that does not exist', async () => {
    const token = craftToken(validClaims(gateway.config, '00000000-0000-4000-8000-000000000000'));
    expectError(await me(`Bearer ${token}`), 401, 'UNAUTHENTICATED');
  });
});

describe('request bodies', () => {
  it('answers 413 in the error shape for a body over 1 MiB', async () => {
    const response = await post('/api/auth/signup', {
      email: uniqueEmail(),
      password: PASSWORD,
      name: 'x'.repeat(1024 * 1024),
    });
    expectError(response, 413, 'INVALID_ARGUMENT');
  });

  it('answers 400 for malformed JSON', async () => {
    const response = await gateway.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: '{"email": "a@example.com", "password": ',
    });
    expect(expectError(response, 400, 'INVALID_ARGUMENT')).toBe('Request body is not valid JSON');
  });

  it('answers 400 for an empty JSON body or a text body, and 415 for another content type', async () => {
    const empty = await gateway.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: '',
    });
    expectError(empty, 400, 'INVALID_ARGUMENT');
    const text = await gateway.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'application/xml' },
      payload: '<a/>',
    });
    expectError(text, 415, 'INVALID_ARGUMENT');
    const plain = await gateway.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'text/plain' },
      payload: 'hello',
    });
    expectError(plain, 400, 'INVALID_ARGUMENT');
  });
});

describe('rate limit', () => {
  let limited: Gateway;
  beforeAll(async () => {
    limited = await startGateway({
      USERS_ADDR: users.process.address,
      NOTES_ADDR: await closedAddress(),
      RATE_LIMIT_AUTH_MAX: '3',
    });
  });
  afterAll(async () => {
    await limited?.close();
  });

  it('answers 429 RESOURCE_EXHAUSTED after too many login attempts from one IP', async () => {
    const attempt = () =>
      limited.app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { email: uniqueEmail(), password: 'wrong password' },
      });
    for (let i = 0; i < 3; i += 1) expect((await attempt()).statusCode).toBe(401);
    const response = await attempt();
    expectError(response, 429, 'RESOURCE_EXHAUSTED');
    expect(response.headers['retry-after']).toBeDefined();
  });

  it('limits signup too, and not the other routes', async () => {
    const attempt = () =>
      limited.app.inject({
        method: 'POST',
        url: '/api/auth/signup',
        payload: { email: 'bad', password: PASSWORD, name: 'A' },
      });
    for (let i = 0; i < 3; i += 1) expect((await attempt()).statusCode).toBe(400);
    expectError(await attempt(), 429, 'RESOURCE_EXHAUSTED');
    for (let i = 0; i < 5; i += 1) {
      expect(
        (
          await limited.app.inject({
            method: 'POST',
            url: '/api/auth/refresh',
            payload: { refreshToken: 'x' },
          })
        ).statusCode,
      ).toBe(401);
    }
  });
});
