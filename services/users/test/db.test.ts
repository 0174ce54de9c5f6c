// The Postgres adapters against a real database.
import { randomUUID } from 'node:crypto';
import { databaseConfig, openDatabase, type MikroORM } from '@app/platform';
import { createTestDatabase, freePort, type TestDatabase } from '@app/devkit';
import { MikroORM as PostgresORM } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrations } from '../migrations/index.js';
import { PostgresAttemptCounter, PostgresRefreshTokenRepository, PostgresUserRepository } from '../src/db.js';
import { entities } from '../src/entities.js';
import { ScryptPasswordHasher } from '../src/password.js';
import { CreateUserError, hashToken, UnavailableError, UserService } from '../src/service.js';

let db: TestDatabase;
let orm: MikroORM;
let users: PostgresUserRepository;
let tokens: PostgresRefreshTokenRepository;

beforeAll(async () => {
  db = await createTestDatabase('users_db');
  orm = await openDatabase({ url: db.url, entities, migrations });
  users = new PostgresUserRepository(orm);
  tokens = new PostgresRefreshTokenRepository(orm);
});

afterAll(async () => {
  await orm?.close();
  await db?.drop();
});

const query = (sql: string) => orm.em.fork().getConnection().execute(sql);
const newUser = (email: string) => users.create({ email, name: 'Ada', passwordHash: 'scrypt$test' });

describe('PostgresUserRepository', () => {
  it('keeps the email as given and finds it in any letter case', async () => {
    const created = await newUser('Grace.Hopper@Example.com');
    expect(await users.findByEmail('grace.hopper@EXAMPLE.COM')).toMatchObject({
      id: created.id,
      email: 'Grace.Hopper@Example.com',
    });
    expect(await users.findById(created.id)).toMatchObject({ email: 'Grace.Hopper@Example.com' });
    expect(await users.findById(randomUUID())).toBeNull();
  });

  it('refuses an email taken in another letter case, even when both arrive at once', async () => {
    await newUser('Ada@Example.com');
    await expect(newUser('ada@example.COM')).rejects.toEqual(CreateUserError.emailTaken());
    const results = await Promise.allSettled(['Linus@x.org', 'LINUS@x.org', 'linus@X.ORG'].map(newUser));
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
    for (const result of results) {
      if (result.status === 'rejected') expect(result.reason).toBeInstanceOf(CreateUserError);
    }
  });
});

describe('PostgresUserRepository, batch and rehash', () => {
  it('finds many users by id in one call, leaving unknown ids out', async () => {
    const [first, second] = await Promise.all([newUser('batch1@x.org'), newUser('batch2@x.org')]);
    const found = await users.findByIds([second.id, randomUUID(), first.id]);
    expect(found.map((user) => user.email).sort()).toEqual(['batch1@x.org', 'batch2@x.org']);
  });

  it('replaces a stored password hash', async () => {
    const user = await newUser('rehash@x.org');
    await users.updatePasswordHash(user.id, '$argon2id$new');
    expect((await users.findById(user.id))?.passwordHash).toBe('$argon2id$new');
  });
});

describe('PostgresRefreshTokenRepository', () => {
  it('stores refresh tokens only as SHA-256 hashes', async () => {
    const service = new UserService({
      users,
      tokens,
      hasher: new ScryptPasswordHasher({ log2N: 10, r: 8, p: 1 }),
    });
    const user = await newUser('tokens@example.com');
    const issued = await service.issueRefreshToken(user.id);
    const rotated = await service.rotateRefreshToken(issued.token);
    const rows = await query(`select * from refresh_tokens where user_id = '${user.id}'`);
    expect(rows.map((row) => row.token_hash).sort()).toEqual(
      [hashToken(issued.token), hashToken(rotated.refreshToken.token)].sort(),
    );
    const dump = JSON.stringify(await query('select * from refresh_tokens'));
    expect(dump).not.toContain(issued.token);
    expect(dump).not.toContain(rotated.refreshToken.token);
  });

  it('lets only one of many concurrent rotations of the same token succeed', async () => {
    const user = await newUser('race@example.com');
    const familyId = randomUUID();
    const first = {
      id: randomUUID(),
      familyId,
      userId: user.id,
      tokenHash: hashToken(randomUUID()),
      expiresAt: new Date(Date.now() + 60_000),
    };
    await tokens.insert(first);
    const next = () => ({ ...first, id: randomUUID(), tokenHash: hashToken(randomUUID()) });
    const results = await Promise.all(
      Array.from({ length: 8 }, () => tokens.rotate(first.id, next(), new Date(), 'sealed')),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
    expect(await query(`select id from refresh_tokens where family_id = '${familyId}'`)).toHaveLength(2);
  });
});

describe('PostgresAttemptCounter', () => {
  it('counts concurrent attempts exactly, in fixed windows, and takes one back', async () => {
    const counter = new PostgresAttemptCounter(orm);
    const key = `test:${randomUUID()}`;
    const at = new Date();
    const counts = await Promise.all(Array.from({ length: 12 }, () => counter.hit(key, 60_000, at)));
    expect(counts.map((c) => c.count).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(new Set(counts.map((c) => c.windowEndsAt.getTime()))).toEqual(new Set([at.getTime() + 60_000]));
    await counter.forgive(key);
    expect((await counter.hit(key, 60_000, new Date(at.getTime() + 1_000))).count).toBe(12);
    // The window ended: a new one starts.
    const later = new Date(at.getTime() + 60_000);
    expect(await counter.hit(key, 60_000, later)).toEqual({
      count: 1,
      windowEndsAt: new Date(later.getTime() + 60_000),
    });
  });
});

describe('schema', () => {
  it('keeps every timestamp with its time zone', async () => {
    const columns = await query(
      `select table_name, column_name, data_type from information_schema.columns
       where table_schema = 'public' and column_name like '%_at' and table_name in ('users', 'refresh_tokens')`,
    );
    expect(columns.length).toBe(5);
    for (const column of columns) expect(column.data_type).toBe('timestamp with time zone');
  });
});

describe('a database that is down', () => {
  it('makes every port fail quickly with UnavailableError', async () => {
    const url = `postgres://users:secret@127.0.0.1:${await freePort()}/users`;
    const down = await PostgresORM.init(databaseConfig({ url, entities, migrations }));
    try {
      const started = Date.now();
      await expect(new PostgresUserRepository(down).findById(randomUUID())).rejects.toBeInstanceOf(
        UnavailableError,
      );
      await expect(
        new PostgresUserRepository(down).create({ email: 'a@b.c', name: 'A', passwordHash: 'x' }),
      ).rejects.toBeInstanceOf(UnavailableError);
      await expect(
        new PostgresRefreshTokenRepository(down).revokeFamily(randomUUID(), new Date()),
      ).rejects.toBeInstanceOf(UnavailableError);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      await down.close();
    }
  });
});
