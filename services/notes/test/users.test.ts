// The UserDirectory adapter against real gRPC servers: the real users service's answers are covered in
// grpc.test.ts; here a users server that never answers proves that every call carries a deadline, and
// a cancelled request cancels its call to the users service.
import { randomUUID } from 'node:crypto';
import { callerMetadata, createServiceClient, type ServiceClient } from '@app/platform';
import { startTestGrpcServer, type TestGrpcServer } from '@app/devkit';
import { UsersServiceDefinition } from '@app/users';
import { ClientError, ServerError, Status, type CallContext } from 'nice-grpc';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createNotesHandler } from '../src/handler.js';
import { NotesServiceDefinition } from '../src/index.js';
import { NoteService, UnavailableError } from '../src/service.js';
import { GrpcUserDirectory } from '../src/users.js';
import { InMemoryNoteRepository } from './fakes.js';

let server: TestGrpcServer;
let users: ServiceClient<typeof UsersServiceDefinition>;
/** How each call to the stuck server ended, as the server saw it. */
const calls: { aborted: Promise<number> }[] = [];

/** Never answers: waits until the client gives up (the call's signal aborts), like a stuck service. */
function hang(_request: unknown, context: CallContext): Promise<never> {
  const started = Date.now();
  return new Promise((_, reject) => {
    const aborted = new Promise<number>((resolve) =>
      context.signal.addEventListener('abort', () => {
        resolve(Date.now() - started);
        reject(new ServerError(Status.CANCELLED, 'cancelled'));
      }),
    );
    calls.push({ aborted });
  });
}

const unimplemented = () => Promise.reject(new ServerError(Status.UNIMPLEMENTED, 'not in this test'));

beforeAll(async () => {
  server = await startTestGrpcServer((s) =>
    s.add(UsersServiceDefinition, {
      getUserByEmail: hang,
      createUser: unimplemented,
      verifyCredentials: unimplemented,
      getUser: unimplemented,
      getUsers: unimplemented,
      logIn: unimplemented,
      issueRefreshToken: unimplemented,
      rotateRefreshToken: unimplemented,
      revokeRefreshToken: unimplemented,
    }),
  );
  // A long client-wide default, so only the adapter's own deadline can end the call in time.
  users = createServiceClient(UsersServiceDefinition, server.address, { timeoutMs: 60_000 });
});

afterAll(async () => {
  users?.close();
  await server?.shutdown();
});

it('gives up on a users service that does not answer within its deadline', async () => {
  const directory = new GrpcUserDirectory(users.client, { timeoutMs: 300 });
  const started = Date.now();
  await expect(directory.findByEmail('bob@example.com')).rejects.toBeInstanceOf(UnavailableError);
  const elapsed = Date.now() - started;
  expect(elapsed).toBeGreaterThanOrEqual(250);
  expect(elapsed).toBeLessThan(1_500);
  // The server saw the call cancelled at the deadline, not left running.
  expect(await calls.at(-1)!.aborted).toBeLessThan(1_500);
});

it('cancels the call to the users service when the incoming request is cancelled', async () => {
  const directory = new GrpcUserDirectory(users.client, { timeoutMs: 10_000 });
  const request = new AbortController();
  const lookup = directory.findByEmail('bob@example.com', request.signal);
  await expect.poll(() => calls.length).toBe(2);
  request.abort();
  await expect(lookup).rejects.toMatchObject({ name: 'AbortError' });
  expect(await calls.at(-1)!.aborted).toBeLessThan(2_000);
});

/** A notes server (notes kept in memory) whose user directory is the stuck users server. */
async function serveNotes(timeoutMs: number) {
  const service = new NoteService({
    notes: new InMemoryNoteRepository(),
    users: new GrpcUserDirectory(users.client, { timeoutMs }),
  });
  const server = await startTestGrpcServer((s) => s.add(NotesServiceDefinition, createNotesHandler(service)));
  const notes = createServiceClient(NotesServiceDefinition, server.address);
  const owner = { metadata: callerMetadata(randomUUID()) };
  const { note } = await notes.client.createNote({ title: 'Shared soon', body: '' }, owner);
  return {
    share: (options: { signal?: AbortSignal } = {}) =>
      notes.client.shareNote({ noteId: note!.id, email: 'bob@example.com' }, { ...owner, ...options }),
    async close() {
      notes.close();
      await server.shutdown();
    },
  };
}

it('answers a ShareNote call UNAVAILABLE once the users call reaches its deadline', async () => {
  const notes = await serveNotes(300);
  try {
    const started = Date.now();
    const error = await notes.share().catch((error: unknown) => error);
    expect(error).toBeInstanceOf(ClientError);
    expect(Status[(error as ClientError).code]).toBe('UNAVAILABLE');
    expect(Date.now() - started).toBeLessThan(1_500);
  } finally {
    await notes.close();
  }
});

it('passes the cancellation of a ShareNote call on to the users service', async () => {
  const notes = await serveNotes(10_000);
  try {
    const request = new AbortController();
    const calling = calls.length;
    const cancelled = notes.share({ signal: request.signal });
    await expect.poll(() => calls.length).toBe(calling + 1);
    request.abort();
    await expect(cancelled).rejects.toMatchObject({ name: 'AbortError' });
    // Well before the 10 s deadline: the users call ended because the incoming call was cancelled.
    expect(await calls.at(-1)!.aborted).toBeLessThan(1_000);
  } finally {
    await notes.close();
  }
});
