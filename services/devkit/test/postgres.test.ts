// The test databases every service's tests use, against the run's real Postgres.
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDatabase, ensureDatabase, freePort, type TestDatabase } from '../src/index.js';

async function query(url: string, sql: string): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows;
  } finally {
    await client.end();
  }
}

describe('test databases', () => {
  const created: TestDatabase[] = [];
  afterAll(async () => {
    for (const database of created) await database.drop();
  });

  it('gives each caller an empty database of its own', async () => {
    const a = await createTestDatabase('devkit a');
    const b = await createTestDatabase('devkit a');
    created.push(a, b);
    expect(a.url).not.toBe(b.url);
    await query(a.url, 'create table t (id int)');
    expect(await query(b.url, "select * from pg_tables where tablename = 't'")).toEqual([]);
  });

  it('ensureDatabase is idempotent and rejects names that are not identifiers', async () => {
    const name = `devkit_${Date.now()}`;
    const admin = process.env.TEST_DATABASE_URL!;
    const url = await ensureDatabase(admin, name);
    expect(await ensureDatabase(admin, name)).toBe(url);
    expect(await query(url, 'select current_database() as name')).toEqual([{ name }]);
    await query(admin, `drop database "${name}"`);
    await expect(ensureDatabase(admin, 'bad"; drop')).rejects.toThrow('invalid database name');
  });

  it('freePort returns a port nothing listens on', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
  });
});
