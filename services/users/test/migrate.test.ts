// The migrate command and the production start policy, as real processes: `migrate` applies the
// migrations and exits 0 (run twice at once, both succeed); a production process refuses to serve a
// database that is not migrated, and serves once it is.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createTestDatabase, startServiceProcess, type TestDatabase } from '@app/devkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const cwd = fileURLToPath(new URL('..', import.meta.url));

function node(entry: string, env: Record<string, string>) {
  return run(process.execPath, ['--conditions=app-source', '--import', 'tsx', entry], {
    cwd,
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    timeout: 60_000,
  }).then(
    ({ stdout, stderr }) => ({ code: 0, output: stdout + stderr }),
    (error: { code?: number; stdout?: string; stderr?: string }) => ({
      code: error.code ?? -1,
      output: `${error.stdout ?? ''}${error.stderr ?? ''}`,
    }),
  );
}

describe('users migrate', { timeout: 90_000 }, () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('users_migrate');
  });
  afterAll(() => db.drop());

  const production = () => ({ NODE_ENV: 'production', DATABASE_URL: db.url, PORT: '0', HOST: '127.0.0.1' });

  it('in production, refuses to serve a database with pending migrations, saying what to do', async () => {
    const { code, output } = await node('src/main.ts', production());
    expect(code).toBe(1);
    expect(output).toContain('refusing to serve: the database schema is not current');
    expect(output).toContain('Migration20261128000000');
  });

  it('migrate exits 0, also when two runs race, and again when nothing is pending', async () => {
    const [a, b] = await Promise.all([
      node('src/migrate.ts', { DATABASE_URL: db.url }),
      node('src/migrate.ts', { DATABASE_URL: db.url }),
    ]);
    expect([a.code, b.code], a.output + b.output).toEqual([0, 0]);
    expect([a.output, b.output].filter((o) => o.includes('"msg":"migrated"'))).toHaveLength(1);
    const again = await node('src/migrate.ts', { DATABASE_URL: db.url });
    expect(again.code).toBe(0);
    expect(again.output).toContain('schema already current');
  });

  it('names the variable when DATABASE_URL is missing', async () => {
    const { code, output } = await node('src/migrate.ts', { DATABASE_URL: '' });
    expect(code).toBe(1);
    expect(output).toContain('DATABASE_URL is required');
  });

  it('in production, serves once migrated', async () => {
    const users = await startServiceProcess({ cwd, env: production() });
    expect(await users.stop()).toBe(0);
  });
});
