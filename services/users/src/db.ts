// The storage adapters: the domain's repositories on Postgres through MikroORM. One EntityManager fork
// per call; driver errors become domain errors here and nowhere else.
import { randomUUID } from 'node:crypto';
import { classifyDriverError, type MikroORM } from '@app/platform';
import { sql, UniqueConstraintViolationException } from '@mikro-orm/postgresql';
import { RefreshToken, User } from './entities.js';
import {
  CreateUserError,
  InvalidInputError,
  UnavailableError,
  type NewRefreshToken,
  type RefreshTokenRepository,
  type StoredRefreshToken,
  type StoredUser,
  type UserRepository,
} from './service.js';
import type { AttemptCount, AttemptCounter } from './throttle.js';

export class PostgresUserRepository implements UserRepository {
  constructor(private readonly orm: MikroORM) {}

  create(user: Omit<StoredUser, 'id' | 'createdAt'>): Promise<StoredUser> {
    return guard(
      async () => {
        const stored = { id: randomUUID(), createdAt: new Date(), ...user };
        await this.orm.em.fork().insert(User, stored);
        return stored;
      },
      // The only unique constraint a new user can break is the one on lower(email).
      (error) =>
        error instanceof UniqueConstraintViolationException ? CreateUserError.emailTaken() : undefined,
    );
  }

  findById(id: string): Promise<StoredUser | null> {
    return guard(() => this.orm.em.fork().findOne(User, { id }));
  }

  findByEmail(email: string): Promise<StoredUser | null> {
    // lower() on both sides, as in the unique index, so lookups and uniqueness agree.
    return guard(() => this.orm.em.fork().findOne(User, { [sql.lower('email')]: sql`lower(${email})` }));
  }

  findByIds(ids: string[]): Promise<StoredUser[]> {
    return guard(() => this.orm.em.fork().find(User, { id: { $in: ids } }));
  }

  updatePasswordHash(id: string, passwordHash: string): Promise<void> {
    return guard(async () => {
      await this.orm.em.fork().nativeUpdate(User, { id }, { passwordHash });
    });
  }
}

export class PostgresRefreshTokenRepository implements RefreshTokenRepository {
  constructor(private readonly orm: MikroORM) {}

  insert(token: NewRefreshToken): Promise<void> {
    return guard(async () => {
      await this.orm.em.fork().insert(RefreshToken, fresh(token));
    });
  }

  findByHash(tokenHash: string): Promise<StoredRefreshToken | null> {
    return guard(() => this.orm.em.fork().findOne(RefreshToken, { tokenHash }));
  }

  rotate(usedId: string, next: NewRefreshToken, at: Date, successorSealed: string): Promise<boolean> {
    return guard(() =>
      this.orm.em.fork().transactional(async (em) => {
        // The conditional update takes the row lock: of two concurrent rotations, the second waits,
        // then finds used_at set and updates nothing.
        const claimed = await em.nativeUpdate(
          RefreshToken,
          { id: usedId, usedAt: null, revokedAt: null },
          { usedAt: at, successorSealed },
        );
        if (claimed === 0) return false;
        await em.insert(RefreshToken, fresh(next));
        return true;
      }),
    );
  }

  revokeFamily(familyId: string, at: Date): Promise<void> {
    return guard(async () => {
      await this.orm.em.fork().nativeUpdate(RefreshToken, { familyId, revokedAt: null }, { revokedAt: at });
    });
  }

  deleteStale(expiredBefore: Date, revokedBefore: Date, limit: number): Promise<number> {
    return guard(async () => {
      // skip locked: replicas purging at the same time take different rows instead of waiting.
      const result = await this.orm.em
        .fork()
        .getConnection()
        .execute<{ affectedRows: number }>(
          `delete from refresh_tokens where id in (
          select id from refresh_tokens where expires_at < ? or revoked_at < ?
          limit ? for update skip locked)`,
          [expiredBefore, revokedBefore, limit],
          'run',
        );
      return result.affectedRows;
    });
  }
}

function fresh(token: NewRefreshToken) {
  return { ...token, usedAt: null, revokedAt: null, successorSealed: null, createdAt: new Date() };
}

/**
 * Attempt counts in the auth_attempts table: one row per key, a fixed window each. One upsert counts
 * an attempt atomically, so concurrent attempts on any replica see each other.
 */
export class PostgresAttemptCounter implements AttemptCounter {
  constructor(private readonly orm: MikroORM) {}

  hit(key: string, windowMs: number, at: Date): Promise<AttemptCount> {
    return guard(async () => {
      const windowEndsAt = new Date(at.getTime() + windowMs);
      const [row] = await this.orm.em
        .fork()
        .getConnection()
        .execute<{ count: number; window_ends_at: Date }[]>(
          `insert into auth_attempts (key, count, window_ends_at) values (?, 1, ?)
         on conflict (key) do update set
           count = case when auth_attempts.window_ends_at <= ? then 1 else auth_attempts.count + 1 end,
           window_ends_at = case when auth_attempts.window_ends_at <= ? then excluded.window_ends_at
                            else auth_attempts.window_ends_at end
         returning count, window_ends_at`,
          [key, windowEndsAt, at, at],
        );
      return { count: Number(row!.count), windowEndsAt: new Date(row!.window_ends_at) };
    });
  }

  forgive(key: string): Promise<void> {
    return guard(async () => {
      await this.orm.em
        .fork()
        .getConnection()
        .execute('update auth_attempts set count = greatest(count - 1, 0) where key = ?', [key]);
    });
  }
}

/**
 * Runs a query; driver errors become domain errors by kind: a database that cannot be reached
 * UnavailableError, a value it refuses (e.g. a NUL character) InvalidInputError, and `translate` maps
 * the rest (constraint violations). Anything left is a bug (INTERNAL).
 */
async function guard<T>(
  query: () => Promise<T>,
  translate?: (error: unknown) => Error | undefined,
): Promise<T> {
  try {
    return await query();
  } catch (error) {
    const kind = classifyDriverError(error);
    if (kind === 'unavailable') throw new UnavailableError();
    if (kind === 'invalid-data') throw new InvalidInputError();
    throw translate?.(error) ?? error;
  }
}
