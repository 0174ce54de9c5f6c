import { ConnectionException, DriverException, type Constructor } from '@mikro-orm/core';
import { Migrator, type Migration } from '@mikro-orm/migrations';
import { defineConfig, MikroORM, type Options } from '@mikro-orm/postgresql';
import type { Logger } from './logger.js';

export type { MikroORM };

export interface DatabaseOptions {
  url: string;
  /** The service's entity schemas (`defineEntity(...)`). */
  entities: NonNullable<Options['entities']>;
  /** The service's committed migrations, oldest first (see `migrations/index.ts`). */
  migrations: Constructor<Migration>[];
  logger?: Logger;
  /** Connections in the pool. */
  poolSize?: number;
}

/**
 * The MikroORM options of a service. Migrations are listed explicitly rather than discovered from
 * files, so the same list runs under tsx, from compiled `dist/` and inside an image.
 * Never use the global EntityManager: fork one per call (`orm.em.fork()`).
 */
export function databaseConfig(options: DatabaseOptions) {
  return defineConfig({
    clientUrl: options.url,
    entities: options.entities,
    extensions: [Migrator],
    allowGlobalContext: false,
    pool: { min: 0, max: options.poolSize ?? 10 },
    // A database that is down answers within seconds instead of hanging the call.
    driverOptions: { connectionTimeoutMillis: 3_000 },
    migrations: {
      migrationsList: options.migrations.map((migration) => ({ name: migration.name, class: migration })),
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      silent: true,
    },
    debug: false,
    logger: (message) => options.logger?.debug({ orm: message }, 'mikro-orm'),
  });
}

/** Connects and applies every pending migration. */
export async function openDatabase(options: DatabaseOptions): Promise<MikroORM> {
  const orm = await MikroORM.init(databaseConfig(options));
  const applied = await orm.migrator.up();
  if (applied.length > 0)
    options.logger?.info({ migrations: applied.map((m) => m.name) }, 'applied migrations');
  return orm;
}

/** True when the database itself could not be reached (down, restarting, pool exhausted). */
export function isConnectionError(error: unknown): boolean {
  if (error instanceof ConnectionException) return true;
  const code = (error as { code?: unknown } | null)?.code;
  return (
    error instanceof DriverException &&
    typeof code === 'string' &&
    (code.startsWith('08') || code === '57P01' || code === '57P03' || code === 'ECONNREFUSED')
  );
}
