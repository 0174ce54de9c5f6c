// Property-based fuzzing of the notes gRPC API, called directly as anything inside the cluster could:
// the real notes process (src/main.ts) in front of the real users process, every method with
// generated hostile fields and caller identities (missing, malformed, another user's). Never
// INTERNAL, UNKNOWN or UNAVAILABLE, never internals in a message, and the process stays serving.
import { fileURLToPath } from 'node:url';
import {
  createTestDatabase,
  fuzz,
  recordFigure,
  startServiceProcess,
  type ServiceProcess,
  type TestDatabase,
} from '@app/devkit';
import { callerMetadata, createServiceClient, HealthDefinition, isServing } from '@app/platform';
import { UsersServiceDefinition } from '@app/users';
import fc from 'fast-check';
import { ClientError, Metadata, Status } from 'nice-grpc';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { NotesServiceDefinition } from '../src/index.js';

const { hostileCursor, hostileId, hostileString, hugeString, textWithNastyChars } = fuzz;
const RUNS = Number(process.env.FUZZ_RUNS ?? 800);
const servicesDir = fileURLToPath(new URL('../../', import.meta.url));

let databases: TestDatabase[] = [];
let usersProcess: ServiceProcess;
let notesProcess: ServiceProcess;
let notes: ReturnType<typeof createServiceClient<typeof NotesServiceDefinition>>;
let alice = '';
let bob = '';
let aliceNote = '';

beforeAll(async () => {
  databases = await Promise.all([createTestDatabase('fuzz_users'), createTestDatabase('fuzz_notes')]);
  usersProcess = await startServiceProcess({
    cwd: `${servicesDir}users`,
    env: { DATABASE_URL: databases[0]!.url, PASSWORD_HASH_COST: '12' },
  });
  notesProcess = await startServiceProcess({
    cwd: `${servicesDir}notes`,
    env: { DATABASE_URL: databases[1]!.url, USERS_ADDR: usersProcess.address },
  });
  const users = createServiceClient(UsersServiceDefinition, usersProcess.address);
  const signUp = async (name: string) =>
    (await users.client.createUser({ email: `${name}@example.com`, password: 'correct horse', name })).user!
      .id;
  [alice, bob] = [await signUp('alice'), await signUp('bob')];
  users.close();
  notes = createServiceClient(NotesServiceDefinition, notesProcess.address);
  aliceNote = (await notes.client.createNote({ title: 't', body: 'b' }, { metadata: callerMetadata(alice) }))
    .note!.id;
}, 120_000);

afterAll(async () => {
  notes?.close();
  await notesProcess?.stop();
  await usersProcess?.stop();
  await Promise.all(databases.map((database) => database.drop()));
});

const text = fc.oneof(hostileString, hugeString, textWithNastyChars(1), fc.string({ minLength: 1 }));
const id = fc
  .oneof(
    hostileId,
    fc.constant(() => aliceNote),
    fc.constant(() => bob),
  )
  .map((value) => (typeof value === 'function' ? value() : value));
const asciiValue = fc.string({
  unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
  maxLength: 60,
});
const caller = fc.oneof(
  fc.constant(() => callerMetadata(alice)),
  fc.constant(() => callerMetadata(bob)),
  fc.constant(() => Metadata()),
  asciiValue.map((value) => () => callerMetadata(value)),
);
const optional = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined });

type Call = [method: string, run: (client: Notes, metadata: Metadata) => Promise<unknown>];
const named = (method: string, run: Call[1]): Call => [method, run];
type Notes = typeof notes.client;
const calls: fc.Arbitrary<Call> = fc.oneof(
  fc
    .record({ limit: fc.oneof(fc.integer(), fc.integer({ min: -1, max: 101 })), cursor: hostileCursor })
    .map((r) => named('ListNotes', (c, metadata) => c.listNotes(r, { metadata }))),
  fc
    .record({ title: text, body: text })
    .map((r) => named('CreateNote', (c, metadata) => c.createNote(r, { metadata }))),
  id.map((noteId) => named('GetNote', (c, metadata) => c.getNote({ id: noteId }, { metadata }))),
  fc
    .record({ id, title: optional(text), body: optional(text) })
    .map((r) => named('UpdateNote', (c, metadata) => c.updateNote(r, { metadata }))),
  id.map((noteId) => named('DeleteNote', (c, metadata) => c.deleteNote({ id: noteId }, { metadata }))),
  fc
    .record({ noteId: id, email: fc.oneof(text, fc.constant('bob@example.com'), fc.emailAddress()) })
    .map((r) => named('ShareNote', (c, metadata) => c.shareNote(r, { metadata }))),
  fc
    .record({ noteId: id, userId: id })
    .map((r) => named('UnshareNote', (c, metadata) => c.unshareNote(r, { metadata }))),
  id.map((noteId) => named('ListShares', (c, metadata) => c.listShares({ noteId }, { metadata }))),
);

/** What a caller may get for a bad request; anything else (INTERNAL, UNKNOWN, UNAVAILABLE…) is a bug. */
const CLIENT_ERRORS = new Set([
  Status.INVALID_ARGUMENT,
  Status.UNAUTHENTICATED,
  Status.PERMISSION_DENIED,
  Status.NOT_FOUND,
  Status.ALREADY_EXISTS,
  Status.RESOURCE_EXHAUSTED,
]);
const INTERNALS =
  /select |insert |update |postgres|sql|constraint|ECONNREFUSED|127\.0\.0\.1|\.ts\b|\.js\b|\n\s+at /i;

it(`answers ${RUNS} hostile calls with client errors only, and keeps serving`, async () => {
  const codes = new Map<string, number>();
  await fc.assert(
    fc.asyncProperty(calls, caller, async ([method, call], metadata) => {
      let code = Status.OK;
      try {
        await call(notes.client, metadata());
      } catch (error) {
        expect(error).toBeInstanceOf(ClientError);
        const { code: status, details } = error as ClientError;
        code = status;
        expect(CLIENT_ERRORS.has(status), `${method}: ${Status[status]} ${details}`).toBe(true);
        expect(details).not.toMatch(INTERNALS);
      }
      codes.set(Status[code], (codes.get(Status[code]) ?? 0) + 1);
    }),
    { numRuns: RUNS, interruptAfterTimeLimit: 240_000 },
  );
  const health = createServiceClient(HealthDefinition, notesProcess.address);
  expect(await isServing(health.client)).toBe(true);
  health.close();
  expect(notesProcess.child.exitCode).toBeNull();
  recordFigure('fuzz: notes gRPC, every method', {
    calls: [...codes.values()].reduce((a, b) => a + b, 0),
    'INTERNAL/UNKNOWN/UNAVAILABLE': 0,
    codes: [...codes.entries()].map(([c, n]) => `${c}×${n}`).join(' '),
  });
}, 300_000);

it('refuses a message over the 4 MiB gRPC limit with RESOURCE_EXHAUSTED, and keeps serving', async () => {
  const error = await notes.client
    .createNote({ title: 't', body: 'x'.repeat(5 * 1024 * 1024) }, { metadata: callerMetadata(alice) })
    .then(
      () => undefined,
      (failure: unknown) => failure,
    );
  expect(error).toBeInstanceOf(ClientError);
  expect(Status[(error as ClientError).code]).toBe('RESOURCE_EXHAUSTED');
  const health = createServiceClient(HealthDefinition, notesProcess.address);
  expect(await isServing(health.client)).toBe(true);
  health.close();
});
