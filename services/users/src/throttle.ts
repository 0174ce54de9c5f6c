// Authentication throttling: failed log-ins per account and per client IP, sign-ups and refreshes per
// client IP. The counts live behind a port (the users database in production), so every replica of
// the users service, and every gateway in front of them, sees the same numbers: two gateways allow
// exactly as many attempts as one.
import { createHash } from 'node:crypto';
import { UsersError } from './service.js';

/** A count of attempts under one key, in its current fixed window. */
export interface AttemptCount {
  count: number;
  windowEndsAt: Date;
}

export interface AttemptCounter {
  /**
   * Atomically counts one attempt under `key`: starts a new window of `windowMs` when there is none
   * or the last one ended, and returns the count including this attempt.
   */
  hit(key: string, windowMs: number, at: Date): Promise<AttemptCount>;
  /** Takes one attempt back (a log-in that turned out to succeed is not a failure). */
  forgive(key: string): Promise<void>;
}

export class TooManyAttemptsError extends UsersError<'TOO_MANY_ATTEMPTS'> {
  constructor(readonly retryAfterSeconds: number) {
    super('TOO_MANY_ATTEMPTS', 'Too many attempts, try again later');
  }
}

export interface ThrottleLimits {
  /** Length of a counting window. */
  windowMs: number;
  /** Failed log-ins per account (email, in any letter case) and window. */
  loginFailuresPerAccount: number;
  /** Failed log-ins from one client IP and window, whatever the accounts. */
  loginFailuresPerIp: number;
  /** Sign-ups from one client IP and window. */
  signupsPerIp: number;
  /** Refresh-token rotations from one client IP and window. */
  refreshesPerIp: number;
}

export const DEFAULT_LIMITS: ThrottleLimits = {
  windowMs: 10 * 60_000,
  loginFailuresPerAccount: 10,
  loginFailuresPerIp: 100,
  signupsPerIp: 100,
  refreshesPerIp: 600,
};

/** Keys are hashed: the table holds no email or IP address in clear. */
const key = (kind: string, value: string) =>
  `${kind}:${createHash('sha256').update(value).digest('base64url')}`;

export class Throttle {
  readonly #counter: AttemptCounter;
  readonly #limits: ThrottleLimits;
  readonly #now: () => Date;

  constructor(counter: AttemptCounter, limits: Partial<ThrottleLimits> = {}, now = () => new Date()) {
    this.#counter = counter;
    this.#limits = { ...DEFAULT_LIMITS, ...limits };
    this.#now = now;
  }

  /**
   * Runs a log-in attempt: counted first (so concurrent attempts cannot slip past the limit), refused
   * with TooManyAttemptsError once the account or the IP is over its limit, and taken back when
   * `attempt` succeeds, so only failures count.
   */
  async login<T>(email: string, clientIp: string | undefined, attempt: () => Promise<T>): Promise<T> {
    const keys: [string, number][] = [
      [key('login-account', email.trim().toLowerCase()), this.#limits.loginFailuresPerAccount],
    ];
    if (clientIp) keys.push([key('login-ip', clientIp), this.#limits.loginFailuresPerIp]);
    await this.#count(keys);
    const result = await attempt();
    await Promise.all(keys.map(([counted]) => this.#counter.forgive(counted)));
    return result;
  }

  /** Counts a sign-up from the IP; refuses it over the limit. */
  async signup(clientIp: string | undefined): Promise<void> {
    if (clientIp) await this.#count([[key('signup-ip', clientIp), this.#limits.signupsPerIp]]);
  }

  /** Counts a refresh from the IP; refuses it over the limit. */
  async refresh(clientIp: string | undefined): Promise<void> {
    if (clientIp) await this.#count([[key('refresh-ip', clientIp), this.#limits.refreshesPerIp]]);
  }

  async #count(keys: [string, number][]): Promise<void> {
    const at = this.#now();
    const counts = await Promise.all(keys.map(([k]) => this.#counter.hit(k, this.#limits.windowMs, at)));
    const over = counts.filter((counted, i) => counted.count > keys[i]![1]);
    if (over.length === 0) return;
    const endsAt = Math.max(...over.map((counted) => counted.windowEndsAt.getTime()));
    throw new TooManyAttemptsError(Math.max(1, Math.ceil((endsAt - at.getTime()) / 1000)));
  }
}
