// The real process (src/main.ts) next to the real users process: starts, serves, shares a note by
// email across the two, stops on SIGTERM; bad configuration stops it at start, naming the variable.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { callerMetadata, createServiceClient, HealthDefinition, isServing } from '@app/platform';
import { createTestDatabase, startServiceProcess } from '@app/devkit';
import { UsersServiceDefinition } from '@app/users';
import { expect, it } from 'vitest';
import { NotesServiceDefinition } from '../src/index.js';

const cwd = fileURLToPath(new URL('..', import.meta.url));
const usersCwd = fileURLToPath(new URL('../../users', import.meta.url));

it('serves gRPC health and the notes API, resolves emails through users, and exits 0 on SIGTERM', async () => {
  const [usersDb, notesDb] = await Promise.all([
    createTestDatabase('main_users'),
    createTestDatabase('main_notes'),
  ]);
  const usersProcess = await startServiceProcess({ cwd: usersCwd, env: { DATABASE_URL: usersDb.url } });
  const service = await startServiceProcess({
    cwd,
    env: { DATABASE_URL: notesDb.url, USERS_ADDR: usersProcess.address },
  });
  const users = createServiceClient(UsersServiceDefinition, usersProcess.address);
  const health = createServiceClient(HealthDefinition, service.address);
  const notes = createServiceClient(NotesServiceDefinition, service.address);
  try {
    expect(await isServing(health.client)).toBe(true);
    const signUp = async (name: string) =>
      (await users.client.createUser({ email: `${name}@example.com`, password: 'correct horse', name }))
        .user!;
    const [alice, bob] = [await signUp('alice'), await signUp('bob')];
    const { note } = await notes.client.createNote(
      { title: 'Hello', body: '' },
      { metadata: callerMetadata(alice.id) },
    );
    await notes.client.shareNote(
      { noteId: note!.id, email: bob.email },
      { metadata: callerMetadata(alice.id) },
    );
    const { note: read } = await notes.client.getNote({ id: note!.id }, { metadata: callerMetadata(bob.id) });
    expect(read).toMatchObject({ title: 'Hello', sharedWith: [bob.id] });
  } finally {
    users.close();
    health.close();
    notes.close();
    expect(await service.stop()).toBe(0);
    await usersProcess.stop();
    await Promise.all([usersDb.drop(), notesDb.drop()]);
  }
  expect(service.logs.map((line) => line.msg)).toEqual(
    expect.arrayContaining(['listening', 'shutting down', 'stopped']),
  );
});

/** Runs src/main.ts with `env` and returns how it ended. */
function run(env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  const { DATABASE_URL: _, USERS_ADDR: __, ...inherited } = process.env;
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      ['--conditions=app-source', '--import', 'tsx', 'src/main.ts'],
      { cwd, env: { ...inherited, PORT: '0', ...env }, timeout: 20_000 },
      (_error, _stdout, stderr) => resolve({ code: child.exitCode, stderr }),
    );
  });
}

it('exits 1 at start, naming each bad variable', async () => {
  const missing = await run({});
  expect(missing.code).toBe(1);
  expect(missing.stderr).toMatch(/DATABASE_URL is required/);

  const malformed = await run({ DATABASE_URL: 'mysql://localhost/notes', USERS_ADDR: 'users' });
  expect(malformed.code).toBe(1);
  expect(malformed.stderr).toMatch(/DATABASE_URL must be a postgres or postgresql URL/);
  expect(malformed.stderr).toMatch(/USERS_ADDR must be host:port/);

  const production = await run({ NODE_ENV: 'production', DATABASE_URL: 'postgres://localhost/notes' });
  expect(production.code).toBe(1);
  expect(production.stderr).toMatch(/USERS_ADDR is required in production/);
});
