// The refresh-token purge against a real Postgres: what goes (expired, revoked a while ago), what
// stays (live sessions, used tokens still needed to detect reuse, recently revoked), in bounded batches,
// on a schedule that stops cleanly.
import { randomUUID } from 'node:crypto';
import { createLogger, openDatabase, type MikroORM } from '@app/platform';
import { createTestDatabase, type TestDatabase } from '@app/devkit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { migrations } from '../migrations/index.js';
import { PostgresRefreshTokenRepository } from '../src/db.js';
import { entities } from '../src/entities.js';
import { RefreshTokenPurge, schedulePurge } from '../src/purge.js';

let database: TestDatabase;
let orm: MikroORM;
let store: PostgresRefreshTokenRepository;
const userId = randomUUID();
const now = new Date('2026-06-01T12:00:00Z');
const hoursAgo = (hours: number) => new Date(now.getTime() - hours * 3_600_000);

beforeAll(async () => {
  database = await createTestDatabase('users_purge');
  orm = await openDatabase({ url: database.url, entities, migrations });
  store = new PostgresRefreshTokenRepository(orm);
  await orm.em
    .getConnection()
    .execute(`insert into users (id, email, name, password_hash) values (?, 'p@example.com', 'P', 'x')`, [
      userId,
    ]);
});

afterAll(async () => {
  await orm?.close();
  await database?.drop();
});

beforeEach(async () => {
  await orm.em.getConnection().execute('delete from refresh_tokens');
});

async function token(name: string, fields: { expiresAt: Date; usedAt?: Date; revokedAt?: Date }) {
  await orm.em
    .getConnection()
    .execute(
      `insert into refresh_tokens (id, family_id, user_id, token_hash, expires_at, used_at, revoked_at) values (?, ?, ?, ?, ?, ?, ?)`,
      [
        randomUUID(),
        randomUUID(),
        userId,
        name,
        fields.expiresAt,
        fields.usedAt ?? null,
        fields.revokedAt ?? null,
      ],
    );
}

async function remaining(): Promise<string[]> {
  const rows = await orm.em
    .getConnection()
    .execute<{ token_hash: string }[]>('select token_hash from refresh_tokens order by token_hash');
  return rows.map((row) => row.token_hash);
}

describe('RefreshTokenPurge', () => {
  it('deletes expired and long-revoked tokens, and keeps live, used-unexpired and recently revoked ones', async () => {
    const future = new Date(now.getTime() + 86_400_000);
    await token('expired', { expiresAt: hoursAgo(1) });
    await token('expired-used', { expiresAt: hoursAgo(1), usedAt: hoursAgo(30) });
    await token('revoked-2-days-ago', { expiresAt: future, revokedAt: hoursAgo(48) });
    await token('live', { expiresAt: future });
    await token('used-not-expired', { expiresAt: future, usedAt: hoursAgo(2) });
    await token('revoked-1-hour-ago', { expiresAt: future, revokedAt: hoursAgo(1) });

    const deleted = await new RefreshTokenPurge(store, { now: () => now }).runOnce();
    expect(deleted).toBe(3);
    expect(await remaining()).toEqual(['live', 'revoked-1-hour-ago', 'used-not-expired']);
  });

  it('deletes at most batchSize × maxBatches rows per run; the next run takes the rest', async () => {
    for (let i = 0; i < 25; i++)
      await token(`expired-${String(i).padStart(2, '0')}`, { expiresAt: hoursAgo(1) });
    const purge = new RefreshTokenPurge(store, { batchSize: 10, maxBatches: 2, now: () => now });
    expect(await purge.runOnce()).toBe(20);
    expect(await remaining()).toHaveLength(5);
    expect(await purge.runOnce()).toBe(5);
    expect(await remaining()).toEqual([]);
  });

  it('runs on a schedule, survives a failing run, and stops cleanly', async () => {
    await token('expired', { expiresAt: hoursAgo(1) });
    let calls = 0;
    const flaky = {
      deleteStale: async (expiredBefore: Date, revokedBefore: Date, limit: number) => {
        calls += 1;
        if (calls === 1) throw new Error('database briefly unavailable');
        return store.deleteStale(expiredBefore, revokedBefore, limit);
      },
    };
    const scheduled = schedulePurge(
      new RefreshTokenPurge(flaky, { now: () => now }),
      20,
      createLogger('test', 'silent'),
    );
    await expect.poll(remaining, { timeout: 5_000 }).toEqual([]);
    await scheduled.stop();
    const after = calls;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(calls).toBe(after);
  });
});
