// The gRPC clients of the services the gateway forwards to. Each has a default deadline on every
// call (createServiceClient) and the OTel client middleware.
import { NotesServiceDefinition } from '@app/notes';
import {
  createServiceClient,
  HealthDefinition,
  type ServiceClient,
  type ServiceClientOptions,
} from '@app/platform';
import { UsersServiceDefinition } from '@app/users';
// new:service import (npm run new:service adds the import of each new service above this line)
import type { CompatServiceDefinition } from 'nice-grpc';
import type { GatewayConfig } from './config.js';

/**
 * The services the gateway forwards to: their client definition and the config variable with their
 * address (host:port, dns:///host:port or ipv4:a:p,b:p). `fastify.upstreams.<key>` is the client.
 */
const UPSTREAMS = {
  users: { definition: UsersServiceDefinition, address: 'USERS_ADDR' },
  notes: { definition: NotesServiceDefinition, address: 'NOTES_ADDR' },
  // new:service upstream (npm run new:service adds each new service above this line)
} as const satisfies Record<string, { definition: CompatServiceDefinition; address: keyof GatewayConfig }>;

export type UpstreamName = keyof typeof UPSTREAMS;

/** How long /readyz waits for an upstream's health check. */
const HEALTH_TIMEOUT_MS = 1_000;

/** A client whose calls take `{ deadline, signal, metadata }`. */
export type UpstreamClient<D extends CompatServiceDefinition> = ServiceClient<D>['client'];
export type HealthClient = UpstreamClient<typeof HealthDefinition>;

export type Upstreams = { [K in UpstreamName]: UpstreamClient<(typeof UPSTREAMS)[K]['definition']> } & {
  /** The standard gRPC health service of every upstream, by name (for /readyz). */
  health: Record<UpstreamName, HealthClient>;
  /** Closes every channel. Call after the HTTP server has drained. */
  close(): void;
};

/**
 * Methods that take longer than one indexed query, so their deadline is a quarter longer than the
 * others': hashing a password (~0.5 s, and it may queue behind a bounded number of hashes), and the
 * notes calls that themselves call the users service (its own deadline must run out first, so a
 * users service that is stuck is reported as 503 rather than a 504 of the whole chain).
 */
const SLOW_METHODS: Partial<Record<UpstreamName, readonly string[]>> = {
  users: ['createUser', 'verifyCredentials', 'logIn'],
  notes: ['shareNote', 'listShares'],
};

/** Per-method deadlines: every call `timeoutMs`, the slow methods 1.25 × `timeoutMs`. */
function deadlines(methods: readonly string[], timeoutMs: number) {
  return {
    timeoutMs,
    methodTimeoutsMs: Object.fromEntries(methods.map((method) => [method, Math.round(timeoutMs * 1.25)])),
  };
}

/**
 * A client of every upstream, at the address its config variable holds; each call's deadline is
 * GRPC_TIMEOUT_MS (the slow methods a quarter more).
 */
export function connectUpstreams(
  config: Pick<GatewayConfig, UpstreamVariable | 'GRPC_TIMEOUT_MS'>,
): Upstreams {
  const opened: { close(): void }[] = [];
  const connect = <D extends CompatServiceDefinition>(
    definition: D,
    address: string,
    options: ServiceClientOptions,
  ) => {
    const serviceClient = createServiceClient(definition, address, options);
    opened.push(serviceClient);
    return serviceClient.client;
  };
  const names = Object.keys(UPSTREAMS) as UpstreamName[];
  const each = <T>(make: (name: UpstreamName) => T) =>
    Object.fromEntries(names.map((name) => [name, make(name)])) as Record<UpstreamName, T>;
  return {
    ...each((name) =>
      connect(
        UPSTREAMS[name].definition,
        config[UPSTREAMS[name].address],
        deadlines(SLOW_METHODS[name] ?? [], config.GRPC_TIMEOUT_MS),
      ),
    ),
    health: each((name) =>
      connect(HealthDefinition, config[UPSTREAMS[name].address], { timeoutMs: HEALTH_TIMEOUT_MS }),
    ),
    close: () => opened.forEach((serviceClient) => serviceClient.close()),
  } as Upstreams;
}

type UpstreamVariable = (typeof UPSTREAMS)[UpstreamName]['address'];
