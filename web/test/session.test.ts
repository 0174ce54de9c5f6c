import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGatewayClient } from '../src/lib/server/gateway.ts';
import {
  ACCESS_COOKIE,
  createRefresher,
  REFRESH_COOKIE,
  Session,
  tokenExpiry,
  type CookieJar,
  type CookieOptions,
} from '../src/lib/server/session.ts';
import { accessToken, startTestGateway, type Received, type TestGateway } from './http-gateway.ts';

const USER = {
  id: '0b8c1d2e-3f40-4a5b-8c6d-7e8f9a0b1c2d',
  email: 'ada@example.com',
  name: 'Ada',
  createdAt: '2026-11-28T10:00:00.000Z',
};

/** SvelteKit's cookie jar, reduced to what a session uses, remembering the options of each cookie. */
class Jar implements CookieJar {
  readonly values = new Map<string, string>();
  readonly options = new Map<string, CookieOptions>();
  get(name: string) {
    return this.values.get(name);
  }
  set(name: string, value: string, options: CookieOptions) {
    this.values.set(name, value);
    this.options.set(name, options);
  }
  delete(name: string, options: CookieOptions) {
    this.values.delete(name);
    this.options.set(name, options);
  }
}

/**
 * The gateway's session rules: access tokens are accepted until they expire or are revoked; a refresh
 * token works once (rotation), and presenting a used one again revokes everything (reuse detection).
 */
class Tokens {
  live = new Set<string>();
  refresh = new Map<string, 'live' | 'used'>();
  rotations = 0;
  up = true;
  n = 0;

  pair(ttl = 900) {
    const access = accessToken(USER.id, ttl) + `.${++this.n}`;
    const refresh = `refresh-${this.n}`;
    this.live.add(access);
    this.refresh.set(refresh, 'live');
    return { accessToken: access, refreshToken: refresh, tokenType: 'Bearer', expiresIn: ttl };
  }

  answer(request: Received) {
    if (!this.up)
      return {
        status: 503,
        body: { error: { code: 'UNAVAILABLE', message: 'A service is unavailable, try again later' } },
      };
    const unauthenticated = {
      status: 401,
      body: { error: { code: 'UNAUTHENTICATED', message: 'Missing or invalid access token' } },
    };
    if (request.url === '/api/auth/refresh') {
      this.rotations++;
      const token = (request.body as { refreshToken: string }).refreshToken;
      const state = this.refresh.get(token);
      if (state === 'used') {
        this.refresh.clear();
        this.live.clear();
      }
      if (state !== 'live') return unauthenticated;
      this.refresh.set(token, 'used');
      return { status: 200, body: this.pair() };
    }
    if (request.url === '/api/auth/logout') {
      this.refresh.delete((request.body as { refreshToken: string }).refreshToken);
      return { status: 204 };
    }
    const token = request.headers.authorization?.replace(/^Bearer /, '') ?? '';
    const exp = tokenExpiry(token) ?? 0;
    if (!this.live.has(token) || exp * 1000 < Date.now()) return unauthenticated;
    return { status: 200, body: USER };
  }
}

let server: TestGateway;
let tokens: Tokens;
const gatewayCalls = () => server.received.map((r) => r.url);

beforeAll(async () => {
  server = await startTestGateway();
});
afterAll(() => server.close());
beforeEach(() => {
  tokens = new Tokens();
  server.received.length = 0;
  server.route = (request) => tokens.answer(request);
});

function newSession(jar: Jar, refresher = createRefresher(createGatewayClient({ baseUrl: server.url }))) {
  const gateway = createGatewayClient({ baseUrl: server.url });
  return new Session({ cookies: jar, gateway, refresher, secure: true });
}

function signedIn(ttl = 900) {
  const jar = new Jar();
  const pair = tokens.pair(ttl);
  jar.values.set(ACCESS_COOKIE, pair.accessToken);
  jar.values.set(REFRESH_COOKIE, pair.refreshToken);
  return { jar, pair };
}

describe('session', () => {
  it('stores tokens in httpOnly, SameSite=Lax cookies on path /', () => {
    const jar = new Jar();
    const pair = tokens.pair(600);
    newSession(jar).start({ ...pair, tokenType: 'Bearer' });
    expect(jar.get(ACCESS_COOKIE)).toBe(pair.accessToken);
    expect(jar.get(REFRESH_COOKIE)).toBe(pair.refreshToken);
    expect(jar.options.get(ACCESS_COOKIE)).toEqual({
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: true,
      maxAge: 600,
    });
    expect(jar.options.get(REFRESH_COOKIE)).toMatchObject({
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: true,
    });
  });

  it('calls the gateway with a valid access token without refreshing', async () => {
    const { jar } = signedIn();
    const result = await newSession(jar).user();
    expect(result).toEqual({ ok: true, value: USER });
    expect(gatewayCalls()).toEqual(['/api/me']);
  });

  it('refreshes an expired access token before the call and rotates both cookies', async () => {
    const { jar, pair } = signedIn(-60);
    const result = await newSession(jar).user();
    expect(result.ok).toBe(true);
    expect(gatewayCalls()).toEqual(['/api/auth/refresh', '/api/me']);
    expect(jar.get(ACCESS_COOKIE)).not.toBe(pair.accessToken);
    expect(jar.get(REFRESH_COOKIE)).not.toBe(pair.refreshToken);
    expect(tokens.refresh.get(jar.get(REFRESH_COOKIE)!)).toBe('live');
  });

  it('refreshes when the access cookie is gone (it expired in the browser)', async () => {
    const { jar } = signedIn();
    jar.values.delete(ACCESS_COOKIE);
    expect((await newSession(jar).user()).ok).toBe(true);
    expect(gatewayCalls()).toEqual(['/api/auth/refresh', '/api/me']);
  });

  it('refreshes once and retries when the gateway refuses the access token', async () => {
    const { jar, pair } = signedIn();
    tokens.live.delete(pair.accessToken); // e.g. the gateway's key rotated
    const result = await newSession(jar).user();
    expect(result.ok).toBe(true);
    expect(gatewayCalls()).toEqual(['/api/me', '/api/auth/refresh', '/api/me']);
  });

  it('refreshes at most once per request, even for parallel calls', async () => {
    const { jar } = signedIn(-60);
    const session = newSession(jar);
    const gateway = session.gateway;
    const results = await Promise.all([
      session.call((token) => gateway.me(token)),
      session.call((token) => gateway.me(token)),
      session.user(),
    ]);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(tokens.rotations).toBe(1);
  });

  it('does not refresh twice in a request when the fresh token is refused too', async () => {
    const { jar } = signedIn(-60);
    server.route = (request) =>
      request.url === '/api/me'
        ? { status: 401, body: { error: { code: 'UNAUTHENTICATED', message: 'no' } } }
        : tokens.answer(request);
    const result = await newSession(jar).user();
    expect(result).toMatchObject({ ok: false, error: { status: 401 } });
    expect(tokens.rotations).toBe(1);
    expect(jar.get(ACCESS_COOKIE)).toBeUndefined();
    expect(jar.get(REFRESH_COOKIE)).toBeUndefined();
  });

  it('shares one rotation between requests that arrive together with the same refresh token', async () => {
    const { pair } = signedIn(-60);
    const refresher = createRefresher(createGatewayClient({ baseUrl: server.url }));
    const jars = [new Jar(), new Jar()];
    for (const jar of jars) {
      jar.values.set(ACCESS_COOKIE, pair.accessToken);
      jar.values.set(REFRESH_COOKIE, pair.refreshToken);
    }
    const results = await Promise.all(jars.map((jar) => newSession(jar, refresher).user()));
    expect(results.map((r) => r.ok)).toEqual([true, true]);
    expect(tokens.rotations).toBe(1); // a second rotation would be reuse, revoking the session
    expect(jars[0]!.get(REFRESH_COOKIE)).toBe(jars[1]!.get(REFRESH_COOKIE));
  });

  it('ends the session when the refresh token is refused: cookies cleared, 401', async () => {
    const { jar, pair } = signedIn(-60);
    tokens.refresh.delete(pair.refreshToken);
    const result = await newSession(jar).user();
    expect(result).toMatchObject({ ok: false, error: { status: 401, code: 'UNAUTHENTICATED' } });
    expect(jar.get(ACCESS_COOKIE)).toBeUndefined();
    expect(jar.get(REFRESH_COOKIE)).toBeUndefined();
    expect(jar.options.get(REFRESH_COOKIE)).toMatchObject({ path: '/', httpOnly: true });
  });

  it('keeps the session when the gateway is down during a refresh', async () => {
    const { jar, pair } = signedIn(-60);
    tokens.up = false;
    const result = await newSession(jar).user();
    expect(result).toMatchObject({ ok: false, error: { status: 503, code: 'UNAVAILABLE' } });
    expect(jar.get(REFRESH_COOKIE)).toBe(pair.refreshToken);
  });

  it('without cookies, answers 401 without calling the gateway', async () => {
    const result = await newSession(new Jar()).user();
    expect(result).toMatchObject({ ok: false, error: { status: 401 } });
    expect(gatewayCalls()).toEqual([]);
  });

  it('logout revokes the refresh token and clears both cookies', async () => {
    const { jar, pair } = signedIn();
    await newSession(jar).logout();
    expect(gatewayCalls()).toEqual(['/api/auth/logout']);
    expect(server.received[0]?.body).toEqual({ refreshToken: pair.refreshToken });
    expect(tokens.refresh.has(pair.refreshToken)).toBe(false);
    expect(jar.get(ACCESS_COOKIE)).toBeUndefined();
    expect(jar.get(REFRESH_COOKIE)).toBeUndefined();
  });
});
