// The users service over a real gRPC server and a real Postgres, through a real client.
import { randomUUID } from 'node:crypto';
import {
  createServiceClient,
  databaseConfig,
  openDatabase,
  type MikroORM,
  type ServiceClient,
} from '@app/platform';
import {
  createTestDatabase,
  freePort,
  startTestGrpcServer,
  type TestDatabase,
  type TestGrpcServer,
} from '@app/devkit';
import { MikroORM as PostgresORM } from '@mikro-orm/postgresql';
import { ClientError, Status } from 'nice-grpc';
import { BadRequest, RichClientError } from 'nice-grpc-error-details';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrations } from '../migrations/index.js';
import { PostgresRefreshTokenRepository, PostgresUserRepository } from '../src/db.js';
import { entities } from '../src/entities.js';
import { UsersServiceDefinition } from '../src/gen/users/v1/users.js';
import { createUsersHandler } from '../src/handler.js';
import { ScryptPasswordHasher } from '../src/password.js';
import { UserService } from '../src/service.js';

// Real scrypt, at a lower cost than production so the suite stays quick.
const hasher = new ScryptPasswordHasher({ log2N: 12, r: 8, p: 1 });

/** A users server on `orm`, and a client of it. */
async function serve(orm: MikroORM) {
  const service = new UserService({
    users: new PostgresUserRepository(orm),
    tokens: new PostgresRefreshTokenRepository(orm),
    hasher,
    // Reuse detection at once; the grace window for concurrent refreshes is tested in service.test.ts.
    refreshGraceMs: 0,
  });
  const server = await startTestGrpcServer((s) => s.add(UsersServiceDefinition, createUsersHandler(service)));
  return { server, client: createServiceClient(UsersServiceDefinition, server.address) };
}

let db: TestDatabase;
let orm: MikroORM;
let server: TestGrpcServer;
let users: ServiceClient<typeof UsersServiceDefinition>['client'];
let close: () => void;

beforeAll(async () => {
  db = await createTestDatabase('users_grpc');
  orm = await openDatabase({ url: db.url, entities, migrations });
  const served = await serve(orm);
  ({ server } = served);
  ({ client: users, close } = served.client);
});

afterAll(async () => {
  close?.();
  await server?.shutdown();
  await orm?.close();
  await db?.drop();
});

const INTERNALS =
  /select|insert|update|postgres|sql|constraint|ECONNREFUSED|127\.0\.0\.1|\.ts\b|\.js\b|\n\s+at /i;

/** The call's gRPC error, after checking its status and that its message gives nothing internal away. */
async function failure(call: Promise<unknown>, status: Status): Promise<string> {
  const error = await call.then(
    () => expect.fail('the call succeeded'),
    (error: unknown) => error,
  );
  expect(error).toBeInstanceOf(ClientError);
  const { code, details } = error as ClientError;
  expect(Status[code]).toBe(Status[status]);
  expect(details).not.toMatch(INTERNALS);
  return details;
}

let counter = 0;
const account = (name = 'Ada Lovelace') => ({
  email: `Ada.${++counter}@Example.com`,
  password: 'correct horse',
  name,
});

describe('accounts', () => {
  it('creates a user: a UUID, the email as typed, the name trimmed, an RFC 3339 creation time', async () => {
    const input = account();
    const { user } = await users.createUser({ ...input, name: '  Ada Lovelace ' });
    expect(user).toMatchObject({ email: input.email, name: 'Ada Lovelace' });
    expect(user?.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(user?.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    expect(Math.abs(Date.parse(user!.createdAt!) - Date.now())).toBeLessThan(60_000);
  });

  it('answers ALREADY_EXISTS for an email taken in another letter case', async () => {
    const input = account();
    await users.createUser(input);
    const message = await failure(
      users.createUser({ ...input, email: input.email.toUpperCase() }),
      Status.ALREADY_EXISTS,
    );
    expect(message).toBe('A user with this email already exists');
  });

  it.each([
    ['email', { email: 'not-an-email' }],
    ['password', { password: 'short' }],
    ['name', { name: '   ' }],
  ])('answers INVALID_ARGUMENT naming the %s field', async (field, override) => {
    const call = users.createUser({ ...account(), ...override });
    const message = await failure(call, Status.INVALID_ARGUMENT);
    expect(message).toMatch(new RegExp(`^${field} must `));
    // The field is named in a google.rpc.BadRequest field violation too (rich error details).
    const error = (await call.catch((error: unknown) => error)) as RichClientError;
    expect(error).toBeInstanceOf(RichClientError);
    expect(error.extra).toEqual([
      BadRequest.fromPartial({ fieldViolations: [{ field, description: message }] }),
    ]);
  });

  it('verifies credentials, and answers UNAUTHENTICATED with one message for a wrong password and an unknown email', async () => {
    const input = account();
    const { user } = await users.createUser(input);
    const verified = await users.verifyCredentials({
      email: input.email.toLowerCase(),
      password: input.password,
    });
    expect(verified.user).toEqual(user);
    const wrongPassword = await failure(
      users.verifyCredentials({ email: input.email, password: 'wrong password' }),
      Status.UNAUTHENTICATED,
    );
    const unknownEmail = await failure(
      users.verifyCredentials({ email: 'nobody@example.com', password: input.password }),
      Status.UNAUTHENTICATED,
    );
    expect(unknownEmail).toBe(wrongPassword);
  });

  it('gets a user by id and by email in any letter case; NOT_FOUND or INVALID_ARGUMENT otherwise', async () => {
    const input = account();
    const { user } = await users.createUser(input);
    expect((await users.getUser({ id: user!.id })).user).toEqual(user);
    expect((await users.getUserByEmail({ email: input.email.toUpperCase() })).user).toEqual(user);
    await failure(users.getUser({ id: randomUUID() }), Status.NOT_FOUND);
    await failure(users.getUserByEmail({ email: 'nobody@example.com' }), Status.NOT_FOUND);
    expect(await failure(users.getUser({ id: 'not-a-uuid' }), Status.INVALID_ARGUMENT)).toMatch(/^id /);
  });
});

describe('refresh tokens', () => {
  async function session() {
    const { user } = await users.createUser(account());
    const { refreshToken } = await users.issueRefreshToken({ userId: user!.id });
    return { userId: user!.id, token: refreshToken!.token, expiresAt: refreshToken!.expiresAt! };
  }

  it('issues a token that expires in 30 days', async () => {
    const { token, expiresAt } = await session();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Date.parse(expiresAt) - Date.now()).toBeGreaterThan(29.9 * 24 * 3600 * 1000);
    await failure(users.issueRefreshToken({ userId: randomUUID() }), Status.NOT_FOUND);
  });

  it('rotates, and revokes the whole session when a rotated token is presented again', async () => {
    const { userId, token } = await session();
    const rotated = await users.rotateRefreshToken({ refreshToken: token });
    expect(rotated.userId).toBe(userId);
    const next = rotated.refreshToken!.token;
    expect(next).not.toBe(token);

    const reused = await failure(users.rotateRefreshToken({ refreshToken: token }), Status.UNAUTHENTICATED);
    const afterReuse = await failure(
      users.rotateRefreshToken({ refreshToken: next }),
      Status.UNAUTHENTICATED,
    );
    const unknown = await failure(
      users.rotateRefreshToken({ refreshToken: 'made-up' }),
      Status.UNAUTHENTICATED,
    );
    expect(new Set([reused, afterReuse, unknown]).size).toBe(1);
  });

  it('revokes on logout, and accepts an unknown token', async () => {
    const { token } = await session();
    const next = (await users.rotateRefreshToken({ refreshToken: token })).refreshToken!.token;
    await users.revokeRefreshToken({ refreshToken: next });
    await failure(users.rotateRefreshToken({ refreshToken: next }), Status.UNAUTHENTICATED);
    await expect(users.revokeRefreshToken({ refreshToken: 'never-issued' })).resolves.toEqual({});
  });

  it('lets only one of several concurrent rotations of one token win', async () => {
    const { token } = await session();
    const results = await Promise.allSettled(
      Array.from({ length: 5 }, () => users.rotateRefreshToken({ refreshToken: token })),
    );
    const won = results.filter((result) => result.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const result of results) {
      if (result.status === 'rejected')
        expect((result.reason as ClientError).code).toBe(Status.UNAUTHENTICATED);
    }
  });
});

describe('a database that is down', () => {
  it('answers UNAVAILABLE quickly, without internals', async () => {
    const url = `postgres://users:secret@127.0.0.1:${await freePort()}/users`;
    const down = await PostgresORM.init(databaseConfig({ url, entities, migrations }));
    const { server: downServer, client } = await serve(down);
    try {
      const started = Date.now();
      await failure(client.client.getUser({ id: randomUUID() }), Status.UNAVAILABLE);
      await failure(
        client.client.verifyCredentials({ email: 'a@example.com', password: 'whatever1' }),
        Status.UNAVAILABLE,
      );
      await failure(client.client.createUser(account()), Status.UNAVAILABLE);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      client.close();
      await downServer.shutdown();
      await down.close();
    }
  });
});
