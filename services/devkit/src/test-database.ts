import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dropDatabase, ensureDatabase, startLocalPostgres } from './postgres.js';

/**
 * Vitest global setup: a real Postgres for the whole run. `npm test` starts one for every workspace
 * and passes it in TEST_DATABASE_URL (an admin URL); running one workspace alone starts its own.
 */
export default async function setup(): Promise<(() => Promise<void>) | undefined> {
  if (process.env.TEST_DATABASE_URL) return undefined;
  const dataDir = mkdtempSync(join(tmpdir(), 'test-postgres-'));
  const postgres = await startLocalPostgres({ dataDir });
  process.env.TEST_DATABASE_URL = postgres.adminUrl;
  return async () => {
    await postgres.stop();
    rmSync(dataDir, { recursive: true, force: true });
  };
}

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A fresh, empty database of its own for one test file. */
export async function createTestDatabase(prefix: string): Promise<TestDatabase> {
  const adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl)
    throw new Error(
      'TEST_DATABASE_URL is not set: add the devkit global setup to vitest.config.ts (serviceTestConfig)',
    );
  const name = `test_${prefix.replace(/\W/g, '_')}_${randomBytes(4).toString('hex')}`.toLowerCase();
  const url = await ensureDatabase(adminUrl, name);
  return { url, drop: () => dropDatabase(adminUrl, name) };
}
