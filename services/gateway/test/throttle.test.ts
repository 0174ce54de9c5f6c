// Throttling that holds across gateway replicas: two gateway apps in front of one real users service
// (its own process and database). The counts live in the users database, so alternating between the
// gateways allows no more attempts than one gateway does; 429 carries Retry-After.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  closedAddress,
  PASSWORD,
  signupAndLogin,
  startGateway,
  startUsers,
  type Gateway,
  type Service,
} from './helpers.js';

let users: Service;
let gateways: Gateway[];

beforeAll(async () => {
  users = await startUsers({
    PASSWORD_HASH_COST: '12',
    LOGIN_MAX_FAILURES_PER_ACCOUNT: '3',
    REFRESH_MAX_PER_IP: '12',
    AUTH_THROTTLE_WINDOW_SECONDS: '120',
  });
  const env = {
    USERS_ADDR: users.process.address,
    NOTES_ADDR: await closedAddress(),
    // This test counts answers; a loaded test machine must not shed any of them.
    LOAD_SHED_EVENT_LOOP_DELAY_MS: '0',
  };
  gateways = [await startGateway(env), await startGateway(env)];
});

afterAll(async () => {
  for (const gateway of gateways ?? []) await gateway.close();
  await users?.stop();
});

const post = (gateway: Gateway, url: string, payload: object) =>
  gateway.app.inject({ method: 'POST', url, payload });

describe('failed log-ins, alternating between two gateways', () => {
  it('are cut off after the same number of attempts as against one, with Retry-After', async () => {
    const { email } = await signupAndLogin(gateways[0]!.app);
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const answer = await post(gateways[i % 2]!, '/api/auth/login', { email, password: 'wrong password' });
      statuses.push(answer.statusCode);
      if (answer.statusCode === 429) {
        expect(answer.json()).toEqual({
          error: { code: 'RESOURCE_EXHAUSTED', message: 'Too many attempts, try again later' },
        });
        const retryAfter = Number(answer.headers['retry-after']);
        expect(retryAfter).toBeGreaterThan(100);
        expect(retryAfter).toBeLessThanOrEqual(120);
      }
    }
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    // The right password is refused too, until the window ends: the account is throttled.
    expect((await post(gateways[1]!, '/api/auth/login', { email, password: PASSWORD })).statusCode).toBe(429);
  });
});

describe('refresh', () => {
  it('concurrent refreshes of one token through both gateways all succeed, with one new token', async () => {
    const session = await signupAndLogin(gateways[0]!.app);
    const answers = await Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        post(gateways[i % 2]!, '/api/auth/refresh', { refreshToken: session.refreshToken }),
      ),
    );
    expect(answers.map((answer) => answer.statusCode)).toEqual([200, 200, 200, 200]);
    const tokens = new Set(answers.map((answer) => answer.json<{ refreshToken: string }>().refreshToken));
    expect(tokens.size).toBe(1);
    const [next] = tokens;
    expect((await post(gateways[1]!, '/api/auth/refresh', { refreshToken: next! })).statusCode).toBe(200);
  });

  it('is throttled per client IP across gateways, with Retry-After', async () => {
    const statuses: number[] = [];
    let retryAfter: string | undefined;
    for (let i = 0; i < 14; i++) {
      const answer = await post(gateways[i % 2]!, '/api/auth/refresh', { refreshToken: `made-up-${i}` });
      statuses.push(answer.statusCode);
      if (answer.statusCode === 429) retryAfter = answer.headers['retry-after'];
    }
    // 12 per window from this IP (the test above used some of them).
    expect(statuses.filter((status) => status === 401).length).toBeLessThanOrEqual(12);
    expect(statuses.at(-1)).toBe(429);
    expect(Number(retryAfter)).toBeGreaterThan(0);
  });
});
