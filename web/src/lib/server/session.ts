// The browser's session: the access and refresh tokens live in httpOnly, SameSite=Lax cookies that
// only this server reads. A Session exists per request (hooks.server.ts); it calls the gateway with
// the access token and, when that token is missing, expired or refused (401), refreshes it once via
// /api/auth/refresh and rotates both cookies. A refresh token the gateway refuses ends the session.
import type { GatewayClient, GatewayError, Result, TokenPair, User } from './gateway.js';

export const ACCESS_COOKIE = 'session_access';
export const REFRESH_COOKIE = 'session_refresh';
/** How long the browser keeps the refresh token; the users service decides when it really expires. */
export const REFRESH_MAX_AGE_SECONDS = 30 * 24 * 60 * 60;

/** The part of SvelteKit's Cookies a session needs. */
export interface CookieJar {
  get(name: string): string | undefined;
  set(name: string, value: string, options: CookieOptions): void;
  delete(name: string, options: CookieOptions): void;
}

export interface CookieOptions {
  path: string;
  httpOnly: boolean;
  sameSite: 'lax';
  secure: boolean;
  maxAge?: number;
}

export const SIGNED_OUT: GatewayError = {
  status: 401,
  code: 'UNAUTHENTICATED',
  message: 'Your session has ended. Please log in again.',
  details: [],
};

/**
 * Rotates refresh tokens, once per token in this process: requests that arrive together with the same
 * (old) refresh token share one rotation. This only saves calls: correctness does not depend on it.
 * Another web replica (or tab) refreshing the same token at the same time gets the same new token from
 * the users service, which allows that within its grace window (REFRESH_REUSE_GRACE_SECONDS) and
 * revokes the session only for a reuse after it.
 */
export type Refresher = (refreshToken: string) => Promise<Result<TokenPair>>;

export function createRefresher(gateway: GatewayClient, { graceMs = 10_000 } = {}): Refresher {
  const inFlight = new Map<string, Promise<Result<TokenPair>>>();
  return (refreshToken) => {
    let rotation = inFlight.get(refreshToken);
    if (!rotation) {
      rotation = gateway.refresh(refreshToken);
      inFlight.set(refreshToken, rotation);
      const forget = () => setTimeout(() => inFlight.delete(refreshToken), graceMs).unref();
      void rotation.then(forget, forget);
    }
    return rotation;
  };
}

/** Seconds since the epoch at which a JWT expires; undefined when it cannot be read. */
export function tokenExpiry(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (!payload) return undefined;
  try {
    const { exp } = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown };
    return typeof exp === 'number' ? exp : undefined;
  } catch {
    return undefined;
  }
}

/** Expired, or about to (the gateway verifies it anyway; this only saves a refused call). */
function isExpired(token: string, now: number): boolean {
  const exp = tokenExpiry(token);
  return exp !== undefined && exp * 1000 <= now + 5_000;
}

export interface SessionOptions {
  cookies: CookieJar;
  gateway: GatewayClient;
  refresher: Refresher;
  /** Secure cookies (production, or an https origin). */
  secure: boolean;
  /** Aborts gateway calls when the browser goes away. */
  signal?: AbortSignal;
  now?: () => number;
}

export class Session {
  readonly #options: SessionOptions;
  #refresh: Promise<Result<string>> | undefined;
  #user: Promise<Result<User>> | undefined;

  constructor(options: SessionOptions) {
    this.#options = options;
  }

  get gateway(): GatewayClient {
    return this.#options.gateway;
  }

  get signal(): AbortSignal | undefined {
    return this.#options.signal;
  }

  /** The browser has session cookies (which may still turn out to be invalid). */
  get present(): boolean {
    const { cookies } = this.#options;
    return Boolean(cookies.get(ACCESS_COOKIE) || cookies.get(REFRESH_COOKIE));
  }

  #cookieOptions(maxAge?: number): CookieOptions {
    const options: CookieOptions = {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: this.#options.secure,
    };
    if (maxAge !== undefined) options.maxAge = maxAge;
    return options;
  }

  /** Stores a new token pair (after login or a refresh). */
  start(pair: TokenPair): void {
    const { cookies } = this.#options;
    cookies.set(ACCESS_COOKIE, pair.accessToken, this.#cookieOptions(pair.expiresIn));
    cookies.set(REFRESH_COOKIE, pair.refreshToken, this.#cookieOptions(REFRESH_MAX_AGE_SECONDS));
  }

  /** Forgets the tokens (the browser drops the cookies). */
  clear(): void {
    const { cookies } = this.#options;
    cookies.delete(ACCESS_COOKIE, this.#cookieOptions());
    cookies.delete(REFRESH_COOKIE, this.#cookieOptions());
    this.#user = undefined;
  }

  /** A fresh access token from the refresh token, at most once per request. */
  #refreshed(): Promise<Result<string>> {
    this.#refresh ??= (async (): Promise<Result<string>> => {
      const refreshToken = this.#options.cookies.get(REFRESH_COOKIE);
      if (!refreshToken) return { ok: false, error: SIGNED_OUT };
      const result = await this.#options.refresher(refreshToken);
      if (result.ok) {
        this.start(result.value);
        return { ok: true, value: result.value.accessToken };
      }
      // A refused refresh token ends the session; an unreachable gateway does not.
      if (result.error.status === 401 || result.error.status === 400) {
        this.clear();
        return { ok: false, error: SIGNED_OUT };
      }
      return result;
    })();
    return this.#refresh;
  }

  /**
   * Runs a gateway call with the access token, refreshing it first when it is missing or expired,
   * or once after the gateway refused it. 401 in the result means the session is over.
   */
  async call<T>(request: (accessToken: string) => Promise<Result<T>>): Promise<Result<T>> {
    const { cookies, now = Date.now } = this.#options;
    let token = cookies.get(ACCESS_COOKIE);
    let refreshed = false;
    if (!token || isExpired(token, now())) {
      const fresh = await this.#refreshed();
      if (!fresh.ok) return fresh;
      token = fresh.value;
      refreshed = true;
    }
    let result = await request(token);
    if (!result.ok && result.error.status === 401 && !refreshed) {
      const fresh = await this.#refreshed();
      if (!fresh.ok) return fresh;
      result = await request(fresh.value);
    }
    if (!result.ok && result.error.status === 401) {
      this.clear();
      return { ok: false, error: SIGNED_OUT };
    }
    return result;
  }

  /** The signed-in user (one /api/me per request). */
  user(): Promise<Result<User>> {
    if (!this.present) return Promise.resolve({ ok: false, error: SIGNED_OUT });
    this.#user ??= this.call((token) => this.gateway.me(token, this.signal));
    return this.#user;
  }

  /** Revokes the refresh token (best effort) and forgets both tokens. */
  async logout(): Promise<void> {
    const refreshToken = this.#options.cookies.get(REFRESH_COOKIE);
    this.clear();
    if (refreshToken) await this.gateway.logout(refreshToken);
  }
}
