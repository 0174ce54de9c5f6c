// Several replicas behind one service address: round-robin, retries of idempotent methods, maximum
// connection age (a replica added later gets traffic) and the graceful drain on shutdown. Real servers
// on 127.0.0.2 and 127.0.0.3 (both loopback), real grpc-js clients.
import { setTimeout as sleep } from 'node:timers/promises';
import { experimental, type ChannelOptions } from '@grpc/grpc-js';
import { ServerError, Status, type ServiceImplementation } from 'nice-grpc';
import { afterEach, describe, expect, it } from 'vitest';
import { createServiceClient, serviceConfig, type ServiceClient } from '../src/grpc/client.js';
import { createGrpcServer, type GrpcServerOptions } from '../src/grpc/server.js';
import { createLogger } from '../src/logger.js';

const json = {
  serialize: (value: unknown) => new TextEncoder().encode(JSON.stringify(value)),
  deserialize: (bytes: Uint8Array) => JSON.parse(new TextDecoder().decode(bytes)) as unknown,
};

function method(name: string, idempotencyLevel?: 'NO_SIDE_EFFECTS') {
  return {
    path: `/test.v1.ReplicaService/${name}`,
    requestStream: false,
    responseStream: false,
    requestSerialize: json.serialize,
    requestDeserialize: json.deserialize,
    responseSerialize: json.serialize,
    responseDeserialize: json.deserialize,
    options: idempotencyLevel ? { idempotencyLevel } : {},
  } as const;
}

/** `whoAmI` is idempotent (the proto would say `option idempotency_level = NO_SIDE_EFFECTS`); `write` is not. */
const ReplicaDefinition = {
  whoAmI: method('WhoAmI', 'NO_SIDE_EFFECTS'),
  write: method('Write'),
  slow: method('Slow', 'NO_SIDE_EFFECTS'),
};

interface Replica {
  name: string;
  address: string;
  served: number;
  shutdown(): Promise<void>;
}

const logger = createLogger('test', process.env.LOG_LEVEL ?? 'silent');
const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startReplica(
  name: string,
  host: string,
  port = 0,
  options: GrpcServerOptions & { unavailable?: boolean } = { maxConnectionAgeMs: 0 },
): Promise<Replica> {
  const grpc = createGrpcServer(logger, options);
  const replica = { name, address: '', served: 0, shutdown: () => grpc.shutdown(2_000) };
  const answer = async () => {
    replica.served++;
    if (options.unavailable) throw new ServerError(Status.UNAVAILABLE, 'draining');
    return { name };
  };
  const implementation: ServiceImplementation<typeof ReplicaDefinition> = {
    whoAmI: answer,
    write: answer,
    async slow() {
      await sleep(600);
      return answer();
    },
  };
  grpc.server.add(ReplicaDefinition, implementation);
  const bound = await grpc.listen(host, port);
  replica.address = `${host}:${bound}`;
  let stopped = false;
  replica.shutdown = async () => {
    if (stopped) return;
    stopped = true;
    await grpc.shutdown(2_000);
  };
  cleanups.push(() => replica.shutdown());
  return replica;
}

/** Two replicas on the same port of 127.0.0.2 and 127.0.0.3, as two pods behind one headless name. */
async function twoReplicas(options?: GrpcServerOptions & { unavailable?: boolean }) {
  const a = await startReplica('a', '127.0.0.2', 0, options);
  const port = Number(a.address.split(':')[1]);
  const b = await startReplica('b', '127.0.0.3', port);
  return { a, b, address: `ipv4:127.0.0.2:${port},127.0.0.3:${port}` };
}

function client(address: string, channelOptions?: ChannelOptions) {
  const created: ServiceClient<typeof ReplicaDefinition> = createServiceClient(ReplicaDefinition, address, {
    timeoutMs: 3_000,
    ...(channelOptions ? { channelOptions } : {}),
  });
  cleanups.push(() => created.close());
  return created.client;
}

describe('service config', () => {
  it('balances round-robin and retries only the idempotent methods, on UNAVAILABLE only', () => {
    const config = serviceConfig(ReplicaDefinition);
    expect(config.loadBalancingConfig).toEqual([{ round_robin: {} }]);
    expect(config.methodConfig).toHaveLength(1);
    expect(config.methodConfig[0]!.name).toEqual([
      { service: 'test.v1.ReplicaService', method: 'WhoAmI' },
      { service: 'test.v1.ReplicaService', method: 'Slow' },
    ]);
    expect(config.methodConfig[0]!.retryPolicy.retryableStatusCodes).toEqual(['UNAVAILABLE']);
  });
});

describe('an ipv4: list of two replicas', () => {
  it('spreads the calls of one client over both', async () => {
    const { a, b, address } = await twoReplicas();
    const replicas = client(address);
    for (let i = 0; i < 40; i++) await replicas.whoAmI({});
    expect(a.served + b.served).toBe(40);
    expect(Math.min(a.served, b.served)).toBeGreaterThanOrEqual(10);
  });

  it('retries an idempotent call that got UNAVAILABLE on the other replica, never a write', async () => {
    const a = await startReplica('a', '127.0.0.2', 0, { maxConnectionAgeMs: 0, unavailable: true });
    const port = Number(a.address.split(':')[1]);
    const b = await startReplica('b', '127.0.0.3', port);
    const replicas = client(`ipv4:127.0.0.2:${port},127.0.0.3:${port}`);
    await replicas.whoAmI({}).catch(() => undefined); // both connections up
    a.served = b.served = 0;

    const reads: PromiseSettledResult<unknown>[] = [];
    for (let i = 0; i < 6; i++) reads.push(...(await Promise.allSettled([replicas.whoAmI({})])));
    expect(reads.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(a.served).toBeGreaterThan(0); // they did reach the failing replica first

    const writes = await Promise.allSettled(Array.from({ length: 6 }, () => replicas.write({})));
    expect(writes.filter((r) => r.status === 'rejected').length).toBeGreaterThan(0);
  });

  it('drains on shutdown: the call in flight finishes, new calls go to the other replica', async () => {
    const { a, b, address } = await twoReplicas();
    const replicas = client(address);
    for (let i = 0; i < 4; i++) await replicas.whoAmI({});
    // One slow call on each replica, then a shutdown of a while they run.
    const inFlight = [replicas.slow({}), replicas.slow({})];
    await sleep(100);
    const stopped = a.shutdown();
    const during: Promise<unknown>[] = [];
    for (let i = 0; i < 20; i++) {
      during.push(replicas.whoAmI({}));
      await sleep(20);
    }
    const results = await Promise.allSettled([...inFlight, ...during]);
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    expect((await Promise.all(inFlight)).map((r) => (r as { name: string }).name).sort()).toEqual(['a', 'b']);
    await stopped;
    expect(b.served).toBeGreaterThanOrEqual(20);
  });
});

/** A resolver whose addresses a test changes, as DNS would when a headless Service gains a pod. */
const listed: { host: string; port: number }[] = [];
class ListResolver {
  constructor(
    _target: unknown,
    private readonly listener: experimental.ResolverListener,
  ) {}
  updateResolution() {
    const endpoints = listed.map((address) => ({ addresses: [address] }));
    setImmediate(() => this.listener(experimental.statusOrFromValue(endpoints), {}, null, ''));
  }
  destroy() {}
  static getDefaultAuthority() {
    return 'replicas';
  }
}
experimental.registerResolver('test-list', ListResolver);

describe('maximum connection age', () => {
  async function servedAfterScaleUp(maxConnectionAgeMs: number, waitMs: number) {
    const a = await startReplica('a', '127.0.0.2', 0, { maxConnectionAgeMs, maxConnectionAgeGraceMs: 500 });
    const port = Number(a.address.split(':')[1]);
    listed.splice(0, listed.length, { host: '127.0.0.2', port });
    const replicas = client('test-list:///replicas');
    for (let i = 0; i < 5; i++) await replicas.whoAmI({});

    // Scale up: a second replica appears in the name's records; the client is not told.
    const b = await startReplica('b', '127.0.0.3', port, {
      maxConnectionAgeMs,
      maxConnectionAgeGraceMs: 500,
    });
    listed.push({ host: '127.0.0.3', port });
    const until = Date.now() + waitMs;
    while (Date.now() < until && b.served < 5) {
      await replicas.whoAmI({});
      await sleep(20);
    }
    return b.served;
  }

  it('makes clients reconnect and re-resolve, so a replica added later is served', async () => {
    expect(await servedAfterScaleUp(500, 10_000)).toBeGreaterThanOrEqual(5);
  });

  it('(control) without it, a running client never sees the new replica', async () => {
    expect(await servedAfterScaleUp(0, 1_500)).toBe(0);
  });
});
