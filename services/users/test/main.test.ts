// The real process (src/main.ts): starts, serves, reports healthy, stops on SIGTERM; bad config stops it at start.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createServiceClient, HealthDefinition, isServing } from '@app/platform';
import { createTestDatabase, startServiceProcess } from '@app/devkit';
import { expect, it } from 'vitest';
import { UsersServiceDefinition } from '../src/index.js';

const cwd = fileURLToPath(new URL('..', import.meta.url));

it('serves gRPC health and the users API, and exits 0 on SIGTERM', async () => {
  const db = await createTestDatabase('users_main');
  const service = await startServiceProcess({ cwd, env: { DATABASE_URL: db.url } });
  const health = createServiceClient(HealthDefinition, service.address);
  const users = createServiceClient(UsersServiceDefinition, service.address);
  try {
    expect(await isServing(health.client)).toBe(true);
    const { user } = await users.client.createUser({
      email: 'main@example.com',
      password: 'correct horse',
      name: 'Main',
    });
    expect((await users.client.getUser({ id: user!.id })).user).toEqual(user);
  } finally {
    health.close();
    users.close();
    expect(await service.stop()).toBe(0);
    await db.drop();
  }
  expect(service.logs.map((line) => line.msg)).toEqual(
    expect.arrayContaining(['listening', 'shutting down', 'stopped']),
  );
});

/** Runs src/main.ts with `env` and returns how it ended. */
function run(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const { DATABASE_URL: _, ...inherited } = process.env;
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--conditions=app-source', '--import', 'tsx', 'src/main.ts'],
      { cwd, env: { ...inherited, PORT: '0', ...env }, timeout: 20_000 },
      (_error, _stdout, stderr) => resolve({ code: child.exitCode, stderr }),
    );
  });
}

it('exits 1 at start, naming DATABASE_URL, when it is missing or not a postgres URL', async () => {
  for (const env of [{}, { DATABASE_URL: 'mysql://localhost/users' }] as Record<string, string>[]) {
    const { code, stderr } = await run(env);
    expect(code).toBe(1);
    expect(stderr).toMatch(/DATABASE_URL (is required|must be a postgres or postgresql URL)/);
  }
});
