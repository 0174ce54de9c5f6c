// Schema migrations of a service's database, as their own step: `<service> migrate` (the image) or
// `npm run migrate -w @app/<service>` applies what is pending and exits. A serving process either
// migrates at start too (npm run dev, MIGRATE_ON_START=true) or only checks that nothing is pending.
// Both hold a Postgres advisory lock, so any number of migrate runs and starting replicas at once are safe.
import { MikroORM } from '@mikro-orm/postgresql';
import pg from 'pg';
import { ConfigError, env, loadConfig } from './config.js';
import { databaseConfig, type DatabaseOptions } from './db.js';
import { createLogger, type Logger } from './logger.js';
import { shutdownTelemetry } from './telemetry/state.js';

/** The advisory lock's key (advisory locks are per database, so one key serves every service). */
const LOCK_KEY = 'app:schema-migrations';

/** A serving process found migrations that were not applied, and was told not to apply them. */
export class SchemaNotCurrentError extends Error {
  readonly code = 'SCHEMA_NOT_CURRENT';
  constructor(readonly pending: string[]) {
    super(
      `the database schema is not current: ${pending.length} pending migration(s) (${pending.join(', ')}); ` +
        'run the migrate command first (`<image> migrate`, or `npm run migrate -w @app/<service>`), ' +
        'or set MIGRATE_ON_START=true',
    );
    this.name = 'SchemaNotCurrentError';
  }
}

export interface MigrationLockOptions {
  /** How long to wait for another migration run to finish, in ms. */
  lockTimeoutMs?: number;
}

/** Runs `work` while this process holds the database's migration lock (on a connection of its own). */
export async function withMigrationLock<T>(
  url: string,
  work: () => Promise<T>,
  options: MigrationLockOptions = {},
): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    await client.query(`set lock_timeout = ${Math.trunc(options.lockTimeoutMs ?? 120_000)}`);
    try {
      await client.query('select pg_advisory_lock(hashtext($1))', [LOCK_KEY]);
    } catch (error) {
      if ((error as { code?: string }).code === '55P03')
        throw new Error('another migration run holds the migration lock and did not finish in time', {
          cause: error,
        });
      throw error;
    }
    try {
      return await work();
    } finally {
      await client.query('select pg_advisory_unlock(hashtext($1))', [LOCK_KEY]);
    }
  } finally {
    await client.end();
  }
}

/** Applies every pending migration under the lock; returns the names applied (none the second time). */
export async function applyMigrations(
  orm: MikroORM,
  url: string,
  logger?: Logger,
  options?: MigrationLockOptions,
): Promise<string[]> {
  const applied = await withMigrationLock(url, () => orm.migrator.up(), options);
  const names = applied.map((migration) => migration.name);
  if (names.length > 0) logger?.info({ migrations: names }, 'applied migrations');
  return names;
}

/** Throws SchemaNotCurrentError unless every migration is applied (waits for a running migration). */
export async function checkSchemaCurrent(
  orm: MikroORM,
  url: string,
  options?: MigrationLockOptions,
): Promise<void> {
  const pending = await withMigrationLock(url, () => orm.migrator.getPending(), options);
  if (pending.length > 0) throw new SchemaNotCurrentError(pending.map((migration) => migration.name));
}

export interface OpenDatabaseOptions extends DatabaseOptions {
  /**
   * What happens to the schema when the database is opened: `migrate` applies the pending migrations
   * (the default: npm run dev, tests, MIGRATE_ON_START=true); `check` refuses to open a database with
   * pending migrations (production serving processes); `none` does neither (the migrate command).
   */
  schema?: 'migrate' | 'check' | 'none';
}

/** Connects, then migrates or checks the schema (see `schema`). */
export async function openDatabase(options: OpenDatabaseOptions): Promise<MikroORM> {
  const orm = await MikroORM.init(databaseConfig(options));
  try {
    if (options.schema === 'check') await checkSchemaCurrent(orm, options.url);
    else if (options.schema !== 'none') await applyMigrations(orm, options.url, options.logger);
  } catch (error) {
    await orm.close();
    if (error instanceof SchemaNotCurrentError)
      options.logger?.error({ pending: error.pending }, `refusing to serve: ${error.message}`);
    throw error;
  }
  return orm;
}

/**
 * The `migrate` command of a service: reads DATABASE_URL (and LOG_LEVEL), applies the pending
 * migrations and exits 0; a configuration error names the variable, any failure exits 1.
 */
export async function runMigrations(
  name: string,
  schema: Pick<DatabaseOptions, 'entities' | 'migrations'>,
): Promise<never> {
  let logger: Logger | undefined;
  try {
    const config = loadConfig({
      LOG_LEVEL: env.oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
        default: 'info',
      }),
      DATABASE_URL: env.url({ protocols: ['postgres', 'postgresql'] }),
    });
    logger = createLogger(name, config.LOG_LEVEL);
    const orm = await openDatabase({ ...schema, url: config.DATABASE_URL, logger, schema: 'none' });
    try {
      const applied = await applyMigrations(orm, config.DATABASE_URL, logger);
      logger.info({ applied: applied.length }, applied.length ? 'migrated' : 'schema already current');
    } finally {
      await orm.close();
    }
    await shutdownTelemetry();
    process.exit(0);
  } catch (error) {
    if (error instanceof ConfigError || !logger)
      process.stderr.write(`${name} migrate: ${(error as Error).message}\n`);
    else logger.fatal({ err: error }, `migration failed: ${(error as Error).message}`);
    process.exit(1);
  }
}
