import { ConnectionException, ConstraintViolationException, type Constructor } from '@mikro-orm/core';
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
  /** How long a query waits for a connection (a free one of the pool, or a new one), in ms. */
  acquireTimeoutMs?: number;
  /** How long a query may wait for the database's answer before it fails as unavailable, in ms. */
  queryTimeoutMs?: number;
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
    driverOptions: {
      // A database that is down answers within seconds instead of hanging the call; the same bound
      // applies to waiting for a free connection of the pool.
      connectionTimeoutMillis: options.acquireTimeoutMs ?? 2_000,
      // A database that accepts connections but does not answer (frozen, network partition) fails the
      // query instead of holding the call and its connection forever.
      query_timeout: options.queryTimeoutMs ?? 5_000,
    },
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

/**
 * What went wrong with a query, for a repository adapter to turn into a domain error:
 * - `unavailable`: the database could not be reached or did not answer (down, restarting, frozen, pool
 *   exhausted). The only kind that means "try again later" (UNAVAILABLE).
 * - `invalid-data`: the database refused a value (Postgres class 22, e.g. a string it cannot store, or
 *   08P01, the server's answer to a NUL byte in the statement text). The caller's input (INVALID_ARGUMENT).
 * - `constraint`: a constraint was violated (class 23); the adapter maps it to its domain error.
 * - `other`: a bug or anything unexpected (INTERNAL).
 */
export type DriverErrorKind = 'unavailable' | 'invalid-data' | 'constraint' | 'other';

/** Node's socket errors: the network path to the database is broken. */
const SOCKET_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** Messages of `pg`/`pg-pool` errors that carry no code: pool wait bound, query read timeout, a dropped connection. */
const UNAVAILABLE_MESSAGES = [
  'timeout exceeded when trying to connect',
  'Query read timeout',
  'Connection terminated',
  'Client has encountered a connection error',
  'Connection closed',
];

export function classifyDriverError(error: unknown): DriverErrorKind {
  if (error instanceof ConnectionException) return 'unavailable';
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') {
    // 08P01 is the server refusing a message it cannot parse — what a NUL byte in a literal causes.
    if (code === '08P01') return 'invalid-data';
    if (code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03' || code === '53300')
      return 'unavailable';
    if (SOCKET_ERRORS.has(code)) return 'unavailable';
    if (code.startsWith('22')) return 'invalid-data';
    if (code.startsWith('23')) return 'constraint';
  }
  if (error instanceof ConstraintViolationException) return 'constraint';
  const message = error instanceof Error ? error.message : '';
  if (UNAVAILABLE_MESSAGES.some((known) => message.startsWith(known))) return 'unavailable';
  return 'other';
}

/** True when the database itself could not be reached (down, restarting, frozen, pool exhausted). */
export function isConnectionError(error: unknown): boolean {
  return classifyDriverError(error) === 'unavailable';
}
