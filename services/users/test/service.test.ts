// The domain alone: validation, credentials and refresh-token rules, over in-memory ports.
import { describe, expect, it } from 'vitest';
import { passwordHasher, ScryptPasswordHasher } from '../src/password.js';
import { CreateUserError, hashToken, UserService, type PasswordHasher } from '../src/service.js';
import { Throttle } from '../src/throttle.js';
import { InMemoryAttemptCounter, InMemoryRefreshTokenRepository, InMemoryUserRepository } from './fakes.js';

/** Real scrypt at a low cost (fast tests), counting how often a hash is verified. */
class CountingHasher implements PasswordHasher {
  verifications = 0;
  readonly #inner = new ScryptPasswordHasher({ log2N: 10, r: 8, p: 1 });
  hash(password: string) {
    return this.#inner.hash(password);
  }
  verify(password: string, encoded: string) {
    this.verifications++;
    return this.#inner.verify(password, encoded);
  }
}

function setup() {
  const clock = { now: new Date('2026-01-01T00:00:00Z') };
  const users = new InMemoryUserRepository();
  const tokens = new InMemoryRefreshTokenRepository();
  const hasher = new CountingHasher();
  const service = new UserService({ users, tokens, hasher, refreshTokenTtlDays: 30, now: () => clock.now });
  return { service, users, tokens, hasher, clock };
}

const valid = { email: 'Ada@Example.com', password: 'correct horse', name: 'Ada' };

async function errorOf(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code: string };
  }
  throw new Error('expected the call to fail');
}

describe('createUser', () => {
  it('trims email and name, keeps the email as typed, and stores only a hash of the password', async () => {
    const { service, users } = setup();
    const user = await service.createUser({ ...valid, email: '  Ada@Example.com ', name: ' Ada Lovelace ' });
    expect(user).toMatchObject({ email: 'Ada@Example.com', name: 'Ada Lovelace' });
    expect(user).not.toHaveProperty('passwordHash');
    expect(users.rows[0]?.passwordHash).toMatch(/^scrypt\$/);
    expect(users.rows[0]?.passwordHash).not.toContain(valid.password);
  });

  it.each([
    '',
    'ada',
    'ada@',
    '@example.com',
    'ada@example',
    'ada lovelace@example.com',
    'ada@@example.com',
    'a@b..com',
  ])('rejects the email %j, naming the field', async (email) => {
    const error = await errorOf(setup().service.createUser({ ...valid, email }));
    expect(error).toBeInstanceOf(CreateUserError);
    expect(error.code).toBe('INVALID_EMAIL');
    expect(error.message).toBe('email must be a valid email address');
  });

  it('accepts passwords of 8 to 256 characters, counted as characters rather than UTF-16 units', async () => {
    const { service } = setup();
    for (const [i, password] of ['12345678', 'x'.repeat(256), '🔑'.repeat(8)].entries()) {
      await expect(
        service.createUser({ ...valid, email: `u${i}@example.com`, password }),
      ).resolves.toBeTruthy();
    }
    for (const password of ['1234567', 'x'.repeat(257), '🔑'.repeat(7)]) {
      const error = await errorOf(service.createUser({ ...valid, password }));
      expect(error.code).toBe('INVALID_PASSWORD');
      expect(error.message).toMatch(/^password /);
    }
  });

  it('requires a name of 1 to 100 characters after trimming', async () => {
    const { service } = setup();
    await expect(service.createUser({ ...valid, name: 'x'.repeat(100) })).resolves.toBeTruthy();
    for (const name of ['', '   ', 'x'.repeat(101)]) {
      const error = await errorOf(service.createUser({ ...valid, email: 'other@example.com', name }));
      expect(error.code).toBe('INVALID_NAME');
      expect(error.message).toMatch(/^name /);
    }
  });

  it('refuses an email taken in another letter case', async () => {
    const { service } = setup();
    await service.createUser(valid);
    const error = await errorOf(service.createUser({ ...valid, email: 'ADA@example.COM' }));
    expect(error.code).toBe('EMAIL_TAKEN');
  });
});

describe('verifyCredentials', () => {
  it('returns the user for the right password, with the email in any letter case', async () => {
    const { service } = setup();
    const created = await service.createUser(valid);
    await expect(service.verifyCredentials(' ada@EXAMPLE.com ', valid.password)).resolves.toEqual(created);
  });

  it('fails the same way, after the same work, for a wrong password and for an unknown email', async () => {
    const { service, hasher } = setup();
    await service.createUser(valid);
    const wrongPassword = await errorOf(service.verifyCredentials(valid.email, 'wrong password'));
    expect(hasher.verifications).toBe(1);
    const unknownEmail = await errorOf(service.verifyCredentials('nobody@example.com', valid.password));
    expect(hasher.verifications).toBe(2);
    expect(wrongPassword.code).toBe('INVALID_CREDENTIALS');
    expect([unknownEmail.constructor, unknownEmail.code, unknownEmail.message]).toEqual([
      wrongPassword.constructor,
      wrongPassword.code,
      wrongPassword.message,
    ]);
  });
});

describe('getUser and getUserByEmail', () => {
  it('finds by id and by email in any letter case, and says NOT_FOUND or INVALID_ID otherwise', async () => {
    const { service } = setup();
    const user = await service.getUser((await service.createUser(valid)).id);
    await expect(service.getUserByEmail('ADA@example.com')).resolves.toEqual(user);
    expect((await errorOf(service.getUser('7c0c2f6e-0d5b-4c5e-9a39-0a3c3b1f8e21'))).code).toBe('NOT_FOUND');
    expect((await errorOf(service.getUser('not-a-uuid'))).code).toBe('INVALID_ID');
    expect((await errorOf(service.getUserByEmail('nobody@example.com'))).code).toBe('NOT_FOUND');
  });
});

describe('refresh tokens', () => {
  async function withSession() {
    const context = setup();
    const user = await context.service.createUser(valid);
    const issued = await context.service.issueRefreshToken(user.id);
    return { ...context, user, issued };
  }

  it('issues an opaque random token that expires after the TTL and is stored only as its hash', async () => {
    const { issued, tokens, clock } = await withSession();
    expect(issued.token).toMatch(/^[A-Za-z0-9_-]{43}$/); // 32 random bytes
    expect(issued.expiresAt.getTime() - clock.now.getTime()).toBe(30 * 24 * 3600 * 1000);
    expect(tokens.rows).toHaveLength(1);
    expect(tokens.rows[0]?.tokenHash).toBe(hashToken(issued.token));
    expect(JSON.stringify(tokens.rows)).not.toContain(issued.token);
  });

  it('refuses to issue for an unknown or malformed user id', async () => {
    const { service } = setup();
    expect((await errorOf(service.issueRefreshToken('7c0c2f6e-0d5b-4c5e-9a39-0a3c3b1f8e21'))).code).toBe(
      'NOT_FOUND',
    );
    expect((await errorOf(service.issueRefreshToken(''))).code).toBe('INVALID_ID');
  });

  it('rotates: the new token works, in the same family, and the old one stops working', async () => {
    const { service, user, issued, tokens } = await withSession();
    const rotated = await service.rotateRefreshToken(issued.token);
    expect(rotated.userId).toBe(user.id);
    expect(rotated.refreshToken.token).not.toBe(issued.token);
    expect(new Set(tokens.rows.map((row) => row.familyId)).size).toBe(1);
    await expect(service.rotateRefreshToken(rotated.refreshToken.token)).resolves.toBeTruthy();
  });

  it('treats a rotated token presented again as reuse and revokes the whole family', async () => {
    const { service, user, issued, clock } = await withSession();
    const otherSession = await service.issueRefreshToken(user.id);
    const rotated = await service.rotateRefreshToken(issued.token);
    clock.now = new Date(clock.now.getTime() + 10_000); // the grace window (10 s) is over
    expect((await errorOf(service.rotateRefreshToken(issued.token))).code).toBe('INVALID_TOKEN');
    // The thief or the owner holds the newer token: it is dead too.
    expect((await errorOf(service.rotateRefreshToken(rotated.refreshToken.token))).code).toBe(
      'INVALID_TOKEN',
    );
    // Other sessions of the same user are not affected.
    await expect(service.rotateRefreshToken(otherSession.token)).resolves.toBeTruthy();
  });

  it('refuses expired, revoked and unknown tokens', async () => {
    const { service, user, issued, clock } = await withSession();
    const revoked = await service.issueRefreshToken(user.id);
    await service.revokeRefreshToken(revoked.token);
    expect((await errorOf(service.rotateRefreshToken(revoked.token))).code).toBe('INVALID_TOKEN');
    expect((await errorOf(service.rotateRefreshToken('made-up'))).code).toBe('INVALID_TOKEN');
    clock.now = issued.expiresAt;
    expect((await errorOf(service.rotateRefreshToken(issued.token))).code).toBe('INVALID_TOKEN');
  });

  it('revokes the whole session on logout, and accepts unknown tokens', async () => {
    const { service, issued } = await withSession();
    const rotated = await service.rotateRefreshToken(issued.token);
    await service.revokeRefreshToken(rotated.refreshToken.token);
    expect((await errorOf(service.rotateRefreshToken(rotated.refreshToken.token))).code).toBe(
      'INVALID_TOKEN',
    );
    await expect(service.revokeRefreshToken('never-issued')).resolves.toBeUndefined();
  });
});

describe('refresh grace window (concurrent refreshes, e.g. two web replicas)', () => {
  async function withSession() {
    const context = setup();
    const user = await context.service.createUser(valid);
    const issued = await context.service.issueRefreshToken(user.id);
    return { ...context, user, issued };
  }

  it('gives every concurrent refresh of one token the same new token, and the session goes on', async () => {
    const { service, issued, tokens } = await withSession();
    const results = await Promise.all(
      Array.from({ length: 5 }, () => service.rotateRefreshToken(issued.token)),
    );
    expect(new Set(results.map((r) => r.refreshToken.token)).size).toBe(1);
    expect(tokens.rows.filter((row) => !row.usedAt && !row.revokedAt)).toHaveLength(1);
    await expect(service.rotateRefreshToken(results[0]!.refreshToken.token)).resolves.toBeTruthy();
    // The successor is stored sealed, never in clear.
    expect(JSON.stringify(tokens.rows)).not.toContain(results[0]!.refreshToken.token);
  });

  it('answers a late request with the newest token of the session, not an older one', async () => {
    const { service, issued, clock } = await withSession();
    const first = await service.rotateRefreshToken(issued.token);
    clock.now = new Date(clock.now.getTime() + 2_000);
    const second = await service.rotateRefreshToken(first.refreshToken.token);
    clock.now = new Date(clock.now.getTime() + 2_000);
    const late = await service.rotateRefreshToken(issued.token); // sent with the cookie of 4 s ago
    expect(late.refreshToken.token).toBe(second.refreshToken.token);
    await expect(service.rotateRefreshToken(second.refreshToken.token)).resolves.toBeTruthy();
  });

  it('still revokes the session when the old token comes back after the window', async () => {
    const { service, issued, clock } = await withSession();
    const rotated = await service.rotateRefreshToken(issued.token);
    clock.now = new Date(clock.now.getTime() + 10_001);
    expect((await errorOf(service.rotateRefreshToken(issued.token))).code).toBe('INVALID_TOKEN');
    expect((await errorOf(service.rotateRefreshToken(rotated.refreshToken.token))).code).toBe(
      'INVALID_TOKEN',
    );
  });

  it('never hands a revoked session back (logout within the window)', async () => {
    const { service, issued } = await withSession();
    const rotated = await service.rotateRefreshToken(issued.token);
    await service.revokeRefreshToken(rotated.refreshToken.token);
    expect((await errorOf(service.rotateRefreshToken(issued.token))).code).toBe('INVALID_TOKEN');
  });
});

describe('throttling', () => {
  function throttled(limits = {}) {
    const clock = { now: new Date('2026-01-01T00:00:00Z') };
    const counter = new InMemoryAttemptCounter();
    const service = new UserService({
      users: new InMemoryUserRepository(),
      tokens: new InMemoryRefreshTokenRepository(),
      hasher: new CountingHasher(),
      throttle: new Throttle(
        counter,
        { windowMs: 60_000, loginFailuresPerAccount: 3, loginFailuresPerIp: 5, signupsPerIp: 2, ...limits },
        () => clock.now,
      ),
      now: () => clock.now,
    });
    return { service, counter, clock };
  }
  const wrong = (service: UserService, email = valid.email, clientIp = '10.0.0.1') =>
    errorOf(service.verifyCredentials(email, 'wrong password', { clientIp }));

  it('refuses an account after N failed log-ins, without checking the password, until the window ends', async () => {
    const { service, clock } = throttled();
    await service.createUser(valid);
    for (let i = 0; i < 3; i++) expect((await wrong(service)).code).toBe('INVALID_CREDENTIALS');
    const refused = (await wrong(service, valid.email.toUpperCase(), '10.0.0.2')) as Error & {
      code: string;
      retryAfterSeconds: number;
    };
    expect(refused.code).toBe('TOO_MANY_ATTEMPTS');
    expect(refused.retryAfterSeconds).toBe(60);
    // The right password too, from anywhere: the account is locked for the window.
    expect((await errorOf(service.verifyCredentials(valid.email, valid.password))).code).toBe(
      'TOO_MANY_ATTEMPTS',
    );
    clock.now = new Date(clock.now.getTime() + 60_000);
    await expect(service.verifyCredentials(valid.email, valid.password)).resolves.toBeTruthy();
  });

  it('counts only failures: successful log-ins are taken back', async () => {
    const { service } = throttled();
    await service.createUser(valid);
    for (let i = 0; i < 10; i++) {
      await service.verifyCredentials(valid.email, valid.password, { clientIp: '10.0.0.1' });
    }
    expect((await wrong(service)).code).toBe('INVALID_CREDENTIALS');
  });

  it('refuses an IP after N failed log-ins across accounts', async () => {
    const { service } = throttled();
    for (let i = 0; i < 5; i++)
      expect((await wrong(service, `u${i}@example.com`)).code).toBe('INVALID_CREDENTIALS');
    expect((await wrong(service, 'another@example.com')).code).toBe('TOO_MANY_ATTEMPTS');
    expect((await wrong(service, 'another@example.com', '10.0.0.9')).code).toBe('INVALID_CREDENTIALS');
  });

  it('limits sign-ups and refreshes per IP', async () => {
    const { service } = throttled({ refreshesPerIp: 1 });
    const clientIp = '10.0.0.1';
    await service.createUser({ ...valid, email: 'a@example.com' }, { clientIp });
    await service.createUser({ ...valid, email: 'b@example.com' }, { clientIp });
    expect((await errorOf(service.createUser({ ...valid, email: 'c@example.com' }, { clientIp }))).code).toBe(
      'TOO_MANY_ATTEMPTS',
    );
    expect((await errorOf(service.rotateRefreshToken('x', { clientIp }))).code).toBe('INVALID_TOKEN');
    expect((await errorOf(service.rotateRefreshToken('x', { clientIp }))).code).toBe('TOO_MANY_ATTEMPTS');
  });
});

describe('password rehash at log-in', () => {
  it('replaces a scrypt hash with Argon2id at the next successful log-in, and only then', async () => {
    const users = new InMemoryUserRepository();
    const tokens = new InMemoryRefreshTokenRepository();
    // An account from before the switch: its hash is scrypt.
    const before = new UserService({
      users,
      tokens,
      hasher: new ScryptPasswordHasher({ log2N: 10, r: 8, p: 1 }),
    });
    await before.createUser(valid);
    expect(users.rows[0]!.passwordHash).toMatch(/^scrypt\$/);

    const service = new UserService({ users, tokens, hasher: passwordHasher(12) });
    await expect(service.verifyCredentials(valid.email, 'wrong password')).rejects.toMatchObject({
      code: 'INVALID_CREDENTIALS',
    });
    expect(users.rows[0]!.passwordHash).toMatch(/^scrypt\$/); // a wrong password changes nothing

    await service.verifyCredentials(valid.email, valid.password);
    const rehashed = users.rows[0]!.passwordHash;
    expect(rehashed).toMatch(/^\$argon2id\$v=19\$m=608,t=2,p=1\$/);
    // The new hash verifies, and is not replaced again.
    await service.logIn(valid.email, valid.password);
    expect(users.rows[0]!.passwordHash).toBe(rehashed);
  });

  it('still logs in when storing the new hash fails', async () => {
    const users = new InMemoryUserRepository();
    const tokens = new InMemoryRefreshTokenRepository();
    await new UserService({
      users,
      tokens,
      hasher: new ScryptPasswordHasher({ log2N: 10, r: 8, p: 1 }),
    }).createUser(valid);
    users.updatePasswordHash = () => Promise.reject(new Error('database down'));
    const service = new UserService({ users, tokens, hasher: passwordHasher(12) });
    await expect(service.verifyCredentials(valid.email, valid.password)).resolves.toMatchObject({
      name: 'Ada',
    });
  });
});

describe('logIn and signUp', () => {
  it('logIn checks the password once and starts a session; a wrong password starts none', async () => {
    const { service, tokens, hasher } = setup();
    const user = await service.createUser(valid);
    const { user: loggedIn, refreshToken } = await service.logIn(valid.email, valid.password);
    expect(loggedIn).toEqual(user);
    expect(hasher.verifications).toBe(1);
    expect(tokens.rows).toHaveLength(1);
    expect(tokens.rows[0]).toMatchObject({ userId: user.id, tokenHash: hashToken(refreshToken.token) });
    await expect(service.logIn(valid.email, 'wrong password')).rejects.toMatchObject({
      code: 'INVALID_CREDENTIALS',
    });
    expect(tokens.rows).toHaveLength(1);
  });

  it('signUp hashes the password once and starts a session', async () => {
    const { service, tokens, hasher } = setup();
    let hashes = 0;
    const hash = hasher.hash.bind(hasher);
    hasher.hash = (password: string) => (hashes++, hash(password));
    const { user, refreshToken } = await service.signUp(valid);
    expect(hashes).toBe(1);
    expect(hasher.verifications).toBe(0);
    expect(tokens.rows[0]).toMatchObject({ userId: user.id, tokenHash: hashToken(refreshToken.token) });
    expect((await service.rotateRefreshToken(refreshToken.token)).userId).toBe(user.id);
  });
});

describe('getUsers', () => {
  it('answers the users that exist, each once, and leaves unknown ids out', async () => {
    const { service } = setup();
    const ada = await service.createUser(valid);
    const bob = await service.createUser({ ...valid, email: 'bob@example.com', name: 'Bob' });
    const unknown = '00000000-0000-4000-8000-000000000000';
    const found = await service.getUsers([bob.id, unknown, ada.id, bob.id]);
    expect(found.map((user) => user.name).sort()).toEqual(['Ada', 'Bob']);
    expect(await service.getUsers([])).toEqual([]);
  });

  it('rejects an id that is not a UUID, and more than 100 ids, naming the field', async () => {
    const { service } = setup();
    expect(await errorOf(service.getUsers(['nope']))).toMatchObject({ code: 'INVALID_ID', field: 'ids' });
    const many = Array.from({ length: 101 }, () => '00000000-0000-4000-8000-000000000000');
    expect(await errorOf(service.getUsers(many))).toMatchObject({ code: 'INVALID_ID', field: 'ids' });
  });
});
