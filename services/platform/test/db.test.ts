// Driver errors by kind, each produced by a real Postgres: only a database that cannot answer is
// "unavailable"; a value it refuses is the caller's input; a constraint is the adapter's to map.
import { createTestDatabase, freePort, type TestDatabase } from '@app/devkit';
import { defineEntity, MikroORM, p } from '@mikro-orm/postgresql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyDriverError, databaseConfig, type DatabaseOptions } from '../src/db.js';

const Thing = defineEntity({
  name: 'Thing',
  tableName: 'things',
  properties: { id: p.integer().primary(), name: p.string().unique() },
});

let database: TestDatabase;
let orm: MikroORM;

async function open(options: Partial<DatabaseOptions> = {}): Promise<MikroORM> {
  return MikroORM.init(databaseConfig({ url: database.url, entities: [Thing], migrations: [], ...options }));
}

/** The error a query fails with (fails the test if it succeeds). */
async function errorOf(query: Promise<unknown>): Promise<unknown> {
  try {
    await query;
  } catch (error) {
    return error;
  }
  throw new Error('the query succeeded');
}

beforeAll(async () => {
  database = await createTestDatabase('platform_db');
  orm = await open();
  await orm.em.getConnection().execute('create table things (id int primary key, name text unique)');
  await orm.em.fork().insert(Thing, { id: 1, name: 'one' });
});

afterAll(async () => {
  await orm?.close();
  await database?.drop();
});

describe('classifyDriverError', () => {
  it('calls a NUL character in a value invalid data, not a database that is down', async () => {
    const error = await errorOf(orm.em.fork().insert(Thing, { id: 2, name: 'a\u0000b' }));
    expect(classifyDriverError(error)).toBe('invalid-data');
    const lookup = await errorOf(orm.em.fork().findOne(Thing, { name: '\u0000' }));
    expect(classifyDriverError(lookup)).toBe('invalid-data');
    // The connection is still good afterwards.
    await expect(orm.em.fork().count(Thing)).resolves.toBe(1);
  });

  it('calls the data exceptions of Postgres class 22 invalid data', async () => {
    const connection = orm.em.getConnection();
    for (const sql of ["select 'not-a-uuid'::uuid", 'select 1/0', "select '2026-13-45'::date"]) {
      expect(classifyDriverError(await errorOf(connection.execute(sql))), sql).toBe('invalid-data');
    }
  });

  it('calls a unique violation a constraint error', async () => {
    const error = await errorOf(orm.em.fork().insert(Thing, { id: 3, name: 'one' }));
    expect(classifyDriverError(error)).toBe('constraint');
  });

  it('calls a syntax error (a bug) other', async () => {
    expect(classifyDriverError(await errorOf(orm.em.getConnection().execute('selec 1')))).toBe('other');
    expect(classifyDriverError(new TypeError('x is undefined'))).toBe('other');
  });

  it('calls a database nobody listens on unavailable, quickly', async () => {
    const url = new URL(database.url);
    url.port = String(await freePort());
    const down = new MikroORM(databaseConfig({ url: url.toString(), entities: [Thing], migrations: [] }));
    const started = Date.now();
    expect(classifyDriverError(await errorOf(down.em.fork().count(Thing)))).toBe('unavailable');
    expect(Date.now() - started).toBeLessThan(3_000);
    await down.close();
  });

  it('bounds the wait for a connection of a full pool, and calls it unavailable', async () => {
    const small = await open({ poolSize: 1, acquireTimeoutMs: 200 });
    try {
      await small.em.getConnection().execute('select 1');
      const holding = small.em.getConnection().execute('select pg_sleep(1)');
      await new Promise((resolve) => setTimeout(resolve, 50));
      const started = Date.now();
      const error = await errorOf(small.em.getConnection().execute('select 1'));
      expect(Date.now() - started).toBeLessThan(900);
      expect(classifyDriverError(error)).toBe('unavailable');
      await holding;
    } finally {
      await small.close();
    }
  });

  it('bounds the wait for an answer, and calls a database that does not answer unavailable', async () => {
    const slow = await open({ queryTimeoutMs: 200 });
    try {
      const started = Date.now();
      const error = await errorOf(slow.em.getConnection().execute('select pg_sleep(2)'));
      expect(Date.now() - started).toBeLessThan(1_500);
      expect(classifyDriverError(error)).toBe('unavailable');
    } finally {
      await slow.close(true);
    }
  });

  it('calls a connection the server terminated unavailable', async () => {
    const victim = await open({ poolSize: 1 });
    try {
      const connection = victim.em.getConnection();
      const [row] = await connection.execute<{ pid: number }[]>('select pg_backend_pid() as pid');
      const sleeping = errorOf(connection.execute('select pg_sleep(5)'));
      await new Promise((resolve) => setTimeout(resolve, 100));
      await orm.em.getConnection().execute('select pg_terminate_backend(?)', [row!.pid]);
      expect(classifyDriverError(await sleeping)).toBe('unavailable');
    } finally {
      await victim.close(true);
    }
  });
});
