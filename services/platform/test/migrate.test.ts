// Migrations as their own step, against a real Postgres: applied once however many runs race, a
// second run applies nothing, and a process that only checks refuses a schema that is not current.
import { createTestDatabase, type TestDatabase } from '@app/devkit';
import { defineEntity, p } from '@mikro-orm/core';
import { Migration } from '@mikro-orm/migrations';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseConfig } from '../src/db.js';
import { loadConfig, env } from '../src/config.js';
import { applyMigrations, openDatabase, SchemaNotCurrentError, withMigrationLock } from '../src/migrate.js';
import { MikroORM } from '@mikro-orm/postgresql';

const Thing = defineEntity({
  name: 'Thing',
  tableName: 'things',
  properties: { id: p.integer().primary(), label: p.string() },
});

class CreateThings extends Migration {
  override async up() {
    // Slow enough that concurrent runs overlap; a second application would fail (no "if not exists").
    this.addSql('select pg_sleep(0.3)');
    this.addSql('create table things (id int primary key, label text not null)');
  }
}
class AddCounter extends Migration {
  override async up() {
    this.addSql('alter table things add column counter int not null default 0');
  }
}

const schema = { entities: [Thing], migrations: [CreateThings, AddCounter] };

async function query(url: string, sql: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql)).rows as Record<string, unknown>[];
  } finally {
    await client.end();
  }
}

const executed = (url: string) =>
  query(url, 'select name from mikro_orm_migrations order by id').then((rows) => rows.map((r) => r.name));

describe('migrations', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('migrate');
  });
  afterAll(() => db.drop());

  it('a checking open refuses a database with pending migrations, naming them', async () => {
    const opening = openDatabase({ ...schema, url: db.url, schema: 'check' });
    await expect(opening).rejects.toBeInstanceOf(SchemaNotCurrentError);
    await expect(opening).rejects.toThrow(
      /not current: 2 pending migration\(s\) \(CreateThings, AddCounter\).*MIGRATE_ON_START=true/,
    );
  });

  it('concurrent runs apply each migration exactly once; a later run applies nothing', async () => {
    const orms = await Promise.all(
      [1, 2, 3].map(() => MikroORM.init(databaseConfig({ ...schema, url: db.url }))),
    );
    try {
      const results = await Promise.all(orms.map((orm) => applyMigrations(orm, db.url)));
      expect(results.flat().sort()).toEqual(['AddCounter', 'CreateThings']);
      expect(await executed(db.url)).toEqual(['CreateThings', 'AddCounter']);
      expect(await applyMigrations(orms[0]!, db.url)).toEqual([]);
    } finally {
      await Promise.all(orms.map((orm) => orm.close()));
    }
  });

  it('a checking open succeeds once the schema is current', async () => {
    const orm = await openDatabase({ ...schema, url: db.url, schema: 'check' });
    await orm.close();
  });

  it('waits for a run that holds the lock, and gives up after its timeout with a clear error', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const holding = new Promise<void>((resolve) => (entered = resolve));
    const holder = withMigrationLock(db.url, async () => {
      entered();
      await held;
    });
    await holding;
    await expect(withMigrationLock(db.url, async () => 'ran', { lockTimeoutMs: 200 })).rejects.toThrow(
      'another migration run holds the migration lock',
    );
    const waiting = withMigrationLock(db.url, async () => 'ran after release');
    release();
    await holder;
    expect(await waiting).toBe('ran after release');
  });
});

describe('MIGRATE_ON_START', () => {
  const spec = { MIGRATE_ON_START: env.boolean({ dev: true, production: false }) };
  it('defaults to migrating outside production and to checking in production', () => {
    expect(loadConfig(spec, {}).MIGRATE_ON_START).toBe(true);
    expect(loadConfig(spec, { NODE_ENV: 'production' }).MIGRATE_ON_START).toBe(false);
    expect(loadConfig(spec, { NODE_ENV: 'production', MIGRATE_ON_START: 'true' }).MIGRATE_ON_START).toBe(
      true,
    );
  });
  it('names the variable when it is not a boolean', () => {
    expect(() => loadConfig(spec, { MIGRATE_ON_START: 'sometimes' })).toThrow(
      'MIGRATE_ON_START must be true or false, got "sometimes"',
    );
  });
});
