// Property-based fuzzing of the users gRPC API, called directly as anything inside the cluster could:
// the real users process (src/main.ts), every method with generated hostile fields. Never INTERNAL,
// UNKNOWN or UNAVAILABLE, never internals in a message, and the process stays serving.
import { fileURLToPath } from 'node:url';
import {
  createTestDatabase,
  fuzz,
  recordFigure,
  startServiceProcess,
  type ServiceProcess,
  type TestDatabase,
} from '@app/devkit';
import { createServiceClient, HealthDefinition, isServing } from '@app/platform';
import fc from 'fast-check';
import { ClientError, Status } from 'nice-grpc';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { UsersServiceDefinition } from '../src/index.js';

const { hostileId, hostileString, hugeString, textWithNastyChars } = fuzz;
const RUNS = Number(process.env.FUZZ_RUNS ?? 600);

let database: TestDatabase;
let usersProcess: ServiceProcess;
let users: ReturnType<typeof createServiceClient<typeof UsersServiceDefinition>>;
let adaId = '';
let adaToken = '';

beforeAll(async () => {
  database = await createTestDatabase('fuzz_users');
  usersProcess = await startServiceProcess({
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    env: { DATABASE_URL: database.url, PASSWORD_HASH_COST: '12' },
  });
  users = createServiceClient(UsersServiceDefinition, usersProcess.address);
  adaId = (
    await users.client.createUser({ email: 'ada@example.com', password: 'correct horse', name: 'Ada' })
  ).user!.id;
  adaToken = (await users.client.issueRefreshToken({ userId: adaId })).refreshToken!.token;
}, 120_000);

afterAll(async () => {
  users?.close();
  await usersProcess?.stop();
  await database?.drop();
});

const text = fc.oneof(hostileString, hugeString, textWithNastyChars(1), fc.string({ minLength: 1 }));
const email = fc.oneof(
  text,
  fc.emailAddress(),
  fc.constant('ADA@example.com'),
  textWithNastyChars().map((t) => `${t}@example.com`),
);
const password = fc.oneof(text, fc.string({ minLength: 8, maxLength: 300 }));
const userId = fc
  .oneof(
    hostileId,
    fc.constant(() => adaId),
  )
  .map((v) => (typeof v === 'function' ? v() : v));
const token = fc
  .oneof(
    text,
    fc.constant(() => adaToken),
  )
  .map((v) => (typeof v === 'function' ? v() : v));

type Call = [method: string, run: (client: Users) => Promise<unknown>];
const named = (method: string, run: Call[1]): Call => [method, run];
type Users = typeof users.client;
const calls: fc.Arbitrary<Call> = fc.oneof(
  fc.record({ email, password, name: text }).map((r) => named('CreateUser', (c) => c.createUser(r))),
  fc.record({ email, password }).map((r) => named('VerifyCredentials', (c) => c.verifyCredentials(r))),
  userId.map((id) => named('GetUser', (c) => c.getUser({ id }))),
  email.map((value) => named('GetUserByEmail', (c) => c.getUserByEmail({ email: value }))),
  userId.map((id) => named('IssueRefreshToken', (c) => c.issueRefreshToken({ userId: id }))),
  token.map((refreshToken) => named('RotateRefreshToken', (c) => c.rotateRefreshToken({ refreshToken }))),
  token.map((refreshToken) => named('RevokeRefreshToken', (c) => c.revokeRefreshToken({ refreshToken }))),
);

/** What a caller may get for a bad request; anything else (INTERNAL, UNKNOWN, UNAVAILABLE…) is a bug. */
const CLIENT_ERRORS = new Set([
  Status.INVALID_ARGUMENT,
  Status.UNAUTHENTICATED,
  Status.NOT_FOUND,
  Status.ALREADY_EXISTS,
  Status.RESOURCE_EXHAUSTED,
]);
const INTERNALS =
  /select |insert |update |postgres|sql|constraint|ECONNREFUSED|127\.0\.0\.1|\.ts\b|\.js\b|\n\s+at /i;

it(`answers ${RUNS} hostile calls with client errors only, and keeps serving`, async () => {
  const codes = new Map<string, number>();
  await fc.assert(
    fc.asyncProperty(calls, async ([method, call]) => {
      let code = Status.OK;
      try {
        await call(users.client);
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
  const health = createServiceClient(HealthDefinition, usersProcess.address);
  expect(await isServing(health.client)).toBe(true);
  health.close();
  expect(usersProcess.child.exitCode).toBeNull();
  recordFigure('fuzz: users gRPC, every method', {
    calls: [...codes.values()].reduce((a, b) => a + b, 0),
    'INTERNAL/UNKNOWN/UNAVAILABLE': 0,
    codes: [...codes.entries()].map(([c, n]) => `${c}×${n}`).join(' '),
  });
}, 300_000);
