// The notes service over a real gRPC server and a real Postgres, calling the REAL users service (its
// src/main.ts in a process of its own) to resolve emails. Users are created through the users API.
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { callerMetadata, createServiceClient, openDatabase, type MikroORM } from '@app/platform';
import {
  createTestDatabase,
  freePort,
  startServiceProcess,
  startTestGrpcServer,
  type ServiceProcess,
  type TestDatabase,
  type TestGrpcServer,
} from '@app/devkit';
import { UsersServiceDefinition, type User } from '@app/users';
import { ClientError, Status } from 'nice-grpc';
import { BadRequest, RichClientError } from 'nice-grpc-error-details';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrations } from '../migrations/index.js';
import { PostgresNoteRepository } from '../src/db.js';
import { entities } from '../src/entities.js';
import { createNotesHandler } from '../src/handler.js';
import { NotesServiceDefinition } from '../src/index.js';
import { NoteService } from '../src/service.js';
import { GrpcUserDirectory } from '../src/users.js';

const usersCwd = fileURLToPath(new URL('../../users', import.meta.url));

let usersDb: TestDatabase;
let notesDb: TestDatabase;
let usersProcess: ServiceProcess;
let orm: MikroORM;
const closers: (() => unknown)[] = [];

/** A notes server whose user directory is the users service at `usersAddress`, and a client of it. */
async function serveNotes(usersAddress: string) {
  const users = createServiceClient(UsersServiceDefinition, usersAddress);
  const service = new NoteService({
    notes: new PostgresNoteRepository(orm),
    users: new GrpcUserDirectory(users.client, { timeoutMs: 1_000 }),
  });
  const server: TestGrpcServer = await startTestGrpcServer((s) =>
    s.add(NotesServiceDefinition, createNotesHandler(service)),
  );
  const notes = createServiceClient(NotesServiceDefinition, server.address);
  closers.push(
    () => notes.close(),
    () => server.shutdown(),
    () => users.close(),
  );
  return notes.client;
}

let notes: Awaited<ReturnType<typeof serveNotes>>;
let alice: User;
let bob: User;

/** Call options carrying the user's identity, as the gateway sends it. */
const as = (user: Pick<User, 'id'>) => ({ metadata: callerMetadata(user.id) });

async function expectStatus(promise: Promise<unknown>, code: Status): Promise<ClientError> {
  const error = await promise.then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(error).toBeInstanceOf(ClientError);
  expect(Status[(error as ClientError).code]).toBe(Status[code]);
  return error as ClientError;
}

beforeAll(async () => {
  [usersDb, notesDb] = await Promise.all([
    createTestDatabase('notes_users'),
    createTestDatabase('notes_grpc'),
  ]);
  usersProcess = await startServiceProcess({ cwd: usersCwd, env: { DATABASE_URL: usersDb.url } });
  orm = await openDatabase({ url: notesDb.url, entities, migrations });
  notes = await serveNotes(usersProcess.address);

  const users = createServiceClient(UsersServiceDefinition, usersProcess.address);
  const signUp = async (name: string) =>
    (await users.client.createUser({ email: `${name}@example.com`, password: 'correct horse', name })).user!;
  [alice, bob] = [await signUp('alice'), await signUp('bob')];
  users.close();
});

afterAll(async () => {
  for (const close of closers.reverse()) await close();
  await orm?.close();
  await usersProcess?.stop();
  await Promise.all([usersDb?.drop(), notesDb?.drop()]);
});

describe('ownership and sharing', () => {
  it('keeps a note from another user until it is shared, then lets them read it only, until unshared', async () => {
    const { note } = await notes.createNote({ title: 'Plans', body: 'secret' }, as(alice));
    const id = note!.id;
    expect(note).toMatchObject({ ownerId: alice.id, title: 'Plans', body: 'secret', sharedWith: [] });

    // Not shared: to bob the note does not exist.
    await expectStatus(notes.getNote({ id }, as(bob)), Status.NOT_FOUND);
    await expectStatus(notes.updateNote({ id, title: 'Mine' }, as(bob)), Status.NOT_FOUND);
    await expectStatus(notes.deleteNote({ id }, as(bob)), Status.NOT_FOUND);
    await expectStatus(notes.shareNote({ noteId: id, email: bob.email }, as(bob)), Status.NOT_FOUND);
    expect((await notes.listNotes({ limit: 0, cursor: '' }, as(bob))).notes).toEqual([]);

    // Shared (the email is resolved by the users service, in any letter case): bob reads, cannot write.
    const { share } = await notes.shareNote({ noteId: id, email: 'BOB@example.com' }, as(alice));
    expect(share).toEqual({ userId: bob.id, email: bob.email });
    expect((await notes.getNote({ id }, as(bob))).note).toMatchObject({
      id,
      title: 'Plans',
      sharedWith: [bob.id],
    });
    expect((await notes.listNotes({ limit: 0, cursor: '' }, as(bob))).notes.map((n) => n.id)).toEqual([id]);
    await expectStatus(notes.updateNote({ id, title: 'Mine' }, as(bob)), Status.PERMISSION_DENIED);
    await expectStatus(notes.deleteNote({ id }, as(bob)), Status.PERMISSION_DENIED);
    await expectStatus(notes.unshareNote({ noteId: id, userId: bob.id }, as(bob)), Status.PERMISSION_DENIED);
    expect((await notes.getNote({ id }, as(alice))).note?.title).toBe('Plans');
    // Only the owner sees who it is shared with, emails resolved by the users service.
    expect((await notes.listShares({ noteId: id }, as(alice))).shares).toEqual([
      { userId: bob.id, email: bob.email },
    ]);
    await expectStatus(notes.listShares({ noteId: id }, as(bob)), Status.PERMISSION_DENIED);

    // Unshared: gone again for bob.
    await notes.unshareNote({ noteId: id, userId: bob.id }, as(alice));
    await expectStatus(notes.getNote({ id }, as(bob)), Status.NOT_FOUND);
    expect((await notes.listNotes({ limit: 0, cursor: '' }, as(bob))).notes).toEqual([]);
  });

  it('lets the owner update and delete', async () => {
    const { note } = await notes.createNote({ title: 'Draft', body: '' }, as(alice));
    const { note: updated } = await notes.updateNote({ id: note!.id, body: 'done' }, as(alice));
    expect(updated).toMatchObject({ title: 'Draft', body: 'done', createdAt: note!.createdAt });
    await notes.deleteNote({ id: note!.id }, as(alice));
    await expectStatus(notes.getNote({ id: note!.id }, as(alice)), Status.NOT_FOUND);
  });

  it('maps the sharing errors: unknown email, yourself, twice, not shared', async () => {
    const { note } = await notes.createNote({ title: 'To share', body: '' }, as(alice));
    const noteId = note!.id;
    const unknown = await expectStatus(
      notes.shareNote({ noteId, email: 'nobody@example.com' }, as(alice)),
      Status.NOT_FOUND,
    );
    expect(unknown.details).toBe('User not found');
    await expectStatus(notes.shareNote({ noteId, email: alice.email }, as(alice)), Status.INVALID_ARGUMENT);
    await notes.shareNote({ noteId, email: bob.email }, as(alice));
    await expectStatus(notes.shareNote({ noteId, email: bob.email }, as(alice)), Status.ALREADY_EXISTS);
    await notes.unshareNote({ noteId, userId: bob.id }, as(alice));
    await expectStatus(notes.unshareNote({ noteId, userId: bob.id }, as(alice)), Status.NOT_FOUND);
  });
});

describe('requests', () => {
  it('is UNAUTHENTICATED without the x-user-id metadata', async () => {
    await expectStatus(notes.listNotes({ limit: 0, cursor: '' }), Status.UNAUTHENTICATED);
    await expectStatus(notes.createNote({ title: 'Anonymous', body: '' }), Status.UNAUTHENTICATED);
  });

  it('is INVALID_ARGUMENT, naming the field, for malformed input', async () => {
    const badId = await expectStatus(
      notes.getNote({ id: '../etc/passwd' }, as(alice)),
      Status.INVALID_ARGUMENT,
    );
    expect(badId.details).toBe('id must be a UUID');
    const badUser = await expectStatus(
      notes.unshareNote({ noteId: randomUUID(), userId: 'x' }, as(alice)),
      Status.INVALID_ARGUMENT,
    );
    expect(badUser.details).toBe('userId must be a UUID');
    await expectStatus(notes.createNote({ title: ' ', body: '' }, as(alice)), Status.INVALID_ARGUMENT);
    await expectStatus(notes.listNotes({ limit: 101, cursor: '' }, as(alice)), Status.INVALID_ARGUMENT);
    await expectStatus(
      notes.listNotes({ limit: 2, cursor: 'not-a-cursor' }, as(alice)),
      Status.INVALID_ARGUMENT,
    );
  });

  it('names the field in a google.rpc.BadRequest field violation (rich error details)', async () => {
    const violations = async (promise: Promise<unknown>) => {
      const error = await expectStatus(promise, Status.INVALID_ARGUMENT);
      expect(error).toBeInstanceOf(RichClientError);
      return (error as RichClientError).extra.flatMap((detail) =>
        detail.$type === BadRequest.$type
          ? detail.fieldViolations.map(({ field, description }) => ({ field, description }))
          : [],
      );
    };
    expect(await violations(notes.createNote({ title: ' ', body: '' }, as(alice)))).toEqual([
      { field: 'title', description: 'title must be 1 to 200 characters long' },
    ]);
    expect(await violations(notes.unshareNote({ noteId: randomUUID(), userId: 'x' }, as(alice)))).toEqual([
      { field: 'userId', description: 'userId must be a UUID' },
    ]);
    expect(await violations(notes.listNotes({ limit: 101, cursor: '' }, as(alice)))).toEqual([
      { field: 'limit', description: 'limit must be from 1 to 100' },
    ]);
    expect(await violations(notes.listNotes({ limit: 2, cursor: 'x' }, as(alice)))).toEqual([
      { field: 'cursor', description: 'cursor is not one this service returned' },
    ]);
  });

  it('pages 5 notes with limit 2, each exactly once, newest first', async () => {
    const carol = { id: randomUUID() }; // a caller with no notes yet
    const created: string[] = [];
    for (let i = 1; i <= 5; i++)
      created.unshift((await notes.createNote({ title: `n${i}`, body: '' }, as(carol))).note!.id);
    const seen: string[] = [];
    let cursor = '';
    do {
      const page = await notes.listNotes({ limit: 2, cursor }, as(carol));
      expect(page.notes.length).toBeLessThanOrEqual(2);
      seen.push(...page.notes.map((n) => n.id));
      cursor = page.nextCursor ?? '';
    } while (cursor);
    expect(seen).toEqual(created);
  });
});

describe('when the users service is down', () => {
  it('answers UNAVAILABLE quickly, with no internals in the message', async () => {
    const nowhere = await serveNotes(`127.0.0.1:${await freePort()}`);
    const { note } = await nowhere.createNote({ title: 'Still works', body: '' }, as(alice));
    const started = Date.now();
    const error = await expectStatus(
      nowhere.shareNote({ noteId: note!.id, email: bob.email }, as(alice)),
      Status.UNAVAILABLE,
    );
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(error.details).toBe('Notes are temporarily unavailable, try again later');
  });
});
