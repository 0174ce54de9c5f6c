// In-memory implementations of the domain's ports, for tests of the domain alone.
import { randomUUID } from 'node:crypto';
import {
  CreateUserError,
  type NewRefreshToken,
  type RefreshTokenRepository,
  type StoredRefreshToken,
  type StoredUser,
  type UserRepository,
} from '../src/service.js';
import type { AttemptCount, AttemptCounter } from '../src/throttle.js';

export class InMemoryUserRepository implements UserRepository {
  readonly rows: StoredUser[] = [];

  async create(user: Omit<StoredUser, 'id' | 'createdAt'>): Promise<StoredUser> {
    if (this.rows.some((row) => row.email.toLowerCase() === user.email.toLowerCase())) {
      throw CreateUserError.emailTaken();
    }
    const stored = { ...user, id: randomUUID(), createdAt: new Date() };
    this.rows.push(stored);
    return stored;
  }

  async findById(id: string) {
    return this.rows.find((row) => row.id === id) ?? null;
  }

  async findByEmail(email: string) {
    return this.rows.find((row) => row.email.toLowerCase() === email.toLowerCase()) ?? null;
  }

  async findByIds(ids: string[]) {
    return this.rows.filter((row) => ids.includes(row.id));
  }

  async updatePasswordHash(id: string, passwordHash: string) {
    const row = this.rows.find((candidate) => candidate.id === id);
    if (row) row.passwordHash = passwordHash;
  }
}

export class InMemoryRefreshTokenRepository implements RefreshTokenRepository {
  readonly rows: StoredRefreshToken[] = [];

  async insert(token: NewRefreshToken) {
    this.rows.push({ ...token, usedAt: null, revokedAt: null, successorSealed: null });
  }

  async findByHash(tokenHash: string) {
    const row = this.rows.find((candidate) => candidate.tokenHash === tokenHash);
    return row ? { ...row } : null;
  }

  async rotate(usedId: string, next: NewRefreshToken, at: Date, successorSealed: string) {
    const row = this.rows.find((candidate) => candidate.id === usedId);
    if (!row || row.usedAt || row.revokedAt) return false;
    row.usedAt = at;
    row.successorSealed = successorSealed;
    await this.insert(next);
    return true;
  }

  async revokeFamily(familyId: string, at: Date) {
    for (const row of this.rows) if (row.familyId === familyId) row.revokedAt ??= at;
  }
}

/** Attempt counts in memory, with the same fixed windows as the database adapter. */
export class InMemoryAttemptCounter implements AttemptCounter {
  readonly counts = new Map<string, AttemptCount>();

  async hit(key: string, windowMs: number, at: Date): Promise<AttemptCount> {
    const current = this.counts.get(key);
    const next =
      current && current.windowEndsAt > at
        ? { ...current, count: current.count + 1 }
        : { count: 1, windowEndsAt: new Date(at.getTime() + windowMs) };
    this.counts.set(key, next);
    return next;
  }

  async forgive(key: string): Promise<void> {
    const current = this.counts.get(key);
    if (current) current.count = Math.max(0, current.count - 1);
  }
}
