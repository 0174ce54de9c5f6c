// The gRPC server bootstrap: the error middleware and the health service, over a real server and client.
import { Writable } from 'node:stream';
import { ClientError, ServerError, Status, type ServiceImplementation } from 'nice-grpc';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServiceClient, HealthDefinition, isServing } from '../src/grpc/client.js';
import { startTestGrpcServer, type TestGrpcServer } from '@app/devkit';

const json = {
  serialize: (value: unknown) => new TextEncoder().encode(JSON.stringify(value)),
  deserialize: (bytes: Uint8Array) => JSON.parse(new TextDecoder().decode(bytes)) as unknown,
};

function method(name: string) {
  return {
    path: `/test.v1.TestService/${name}`,
    requestStream: false,
    responseStream: false,
    requestSerialize: json.serialize,
    requestDeserialize: json.deserialize,
    responseSerialize: json.serialize,
    responseDeserialize: json.deserialize,
    options: {},
  } as const;
}

/** A tiny JSON-encoded service, so these tests need no generated code. */
const TestDefinition = {
  crash: method('Crash'),
  notFound: method('NotFound'),
  upstreamDown: method('UpstreamDown'),
};

const SECRET = 'select password_hash from users where email = $1 at /srv/app/db.ts:42';

const implementation: ServiceImplementation<typeof TestDefinition> = {
  async crash() {
    throw new Error(SECRET);
  },
  async notFound() {
    throw new ServerError(Status.NOT_FOUND, 'No such note');
  },
  async upstreamDown() {
    throw new ClientError(
      '/users.v1.UsersService/GetUser',
      Status.UNAVAILABLE,
      'connect ECONNREFUSED 10.0.0.7:50051',
    );
  },
};

const logLines: string[] = [];
let server: TestGrpcServer;
let test: ReturnType<typeof createServiceClient<typeof TestDefinition>>;
let health: ReturnType<typeof createServiceClient<typeof HealthDefinition>>;

beforeAll(async () => {
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  server = await startTestGrpcServer((s) => s.add(TestDefinition, implementation), pino(sink));
  test = createServiceClient(TestDefinition, server.address);
  health = createServiceClient(HealthDefinition, server.address);
});

afterAll(async () => {
  test?.close();
  health?.close();
  await server?.shutdown();
});

async function failure(call: Promise<unknown>): Promise<ClientError> {
  const error = await call.then(
    () => expect.fail('the call succeeded'),
    (error: unknown) => error,
  );
  expect(error).toBeInstanceOf(ClientError);
  return error as ClientError;
}

describe('error middleware', () => {
  it('turns an unexpected error into INTERNAL "Internal error", logging the details instead', async () => {
    const error = await failure(test.client.crash({}));
    expect(Status[error.code]).toBe('INTERNAL');
    expect(error.details).toBe('Internal error');
    expect(JSON.stringify(error)).not.toContain('password_hash');
    expect(error.message).not.toContain('db.ts');
    const logged = logLines.map(
      (line) => JSON.parse(line) as { msg: string; method: string; err: { message: string } },
    );
    expect(logged).toContainEqual(
      expect.objectContaining({ msg: 'unhandled error in gRPC call', method: '/test.v1.TestService/Crash' }),
    );
    expect(logged.find((line) => line.err)?.err.message).toBe(SECRET);
  });

  it('lets a ServerError through unchanged', async () => {
    const error = await failure(test.client.notFound({}));
    expect([Status[error.code], error.details]).toEqual(['NOT_FOUND', 'No such note']);
  });

  it('keeps UNAVAILABLE from an upstream call, without its address', async () => {
    const error = await failure(test.client.upstreamDown({}));
    expect(Status[error.code]).toBe('UNAVAILABLE');
    expect(error.details).toBe('A service this call depends on is unavailable');
  });
});

describe('call log', () => {
  it('writes one line per call with its method, status and duration', async () => {
    await failure(test.client.notFound({}));
    const logged = logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(logged).toContainEqual(
      expect.objectContaining({
        msg: 'call completed',
        method: '/test.v1.TestService/NotFound',
        code: 'NOT_FOUND',
        durationMs: expect.any(Number),
      }),
    );
  });

  it('logs what the client saw: INTERNAL for an unexpected error', async () => {
    await failure(test.client.crash({}));
    const logged = logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(logged).toContainEqual(
      expect.objectContaining({
        msg: 'call completed',
        method: '/test.v1.TestService/Crash',
        code: 'INTERNAL',
      }),
    );
  });
});

describe('health service', () => {
  it('answers SERVING', async () => {
    expect(await health.client.check({ service: '' })).toEqual({ status: 1 });
    expect(await isServing(health.client)).toBe(true);
  });
});
