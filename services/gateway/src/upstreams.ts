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
import type { CompatServiceDefinition } from 'nice-grpc';

/** How long /readyz waits for an upstream's health check. */
const HEALTH_TIMEOUT_MS = 1_000;

/** A client whose calls take `{ deadline, signal, metadata }`. */
export type UpstreamClient<D extends CompatServiceDefinition> = ServiceClient<D>['client'];
export type HealthClient = UpstreamClient<typeof HealthDefinition>;

export interface Upstreams {
  users: UpstreamClient<UsersServiceDefinition>;
  notes: UpstreamClient<NotesServiceDefinition>;
  /** The standard gRPC health service of every upstream, by name (for /readyz). */
  health: Record<string, HealthClient>;
  /** Closes every channel. Call after the HTTP server has drained. */
  close(): void;
}

export interface UpstreamAddresses {
  usersAddr: string;
  notesAddr: string;
  /** Deadline of a call, in milliseconds; the slower methods below get a quarter more. */
  timeoutMs: number;
}

/**
 * Methods that take longer than one indexed query, so their deadline is a quarter longer than the
 * others': hashing a password (~0.5 s, and it may queue behind a bounded number of hashes), and the
 * notes calls that themselves call the users service (its own deadline must run out first, so a
 * users service that is stuck is reported as 503 rather than a 504 of the whole chain).
 */
const SLOW_METHODS = {
  users: ['createUser', 'verifyCredentials'],
  notes: ['shareNote', 'listShares'],
} as const;

/** Per-method deadlines: every call `timeoutMs`, the slow methods 1.25 × `timeoutMs`. */
function deadlines(methods: readonly string[], timeoutMs: number) {
  return {
    timeoutMs,
    methodTimeoutsMs: Object.fromEntries(methods.map((method) => [method, Math.round(timeoutMs * 1.25)])),
  };
}

export function connectUpstreams({ usersAddr, notesAddr, timeoutMs }: UpstreamAddresses): Upstreams {
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
  return {
    users: connect(UsersServiceDefinition, usersAddr, deadlines(SLOW_METHODS.users, timeoutMs)),
    notes: connect(NotesServiceDefinition, notesAddr, deadlines(SLOW_METHODS.notes, timeoutMs)),
    health: {
      users: connect(HealthDefinition, usersAddr, { timeoutMs: HEALTH_TIMEOUT_MS }),
      notes: connect(HealthDefinition, notesAddr, { timeoutMs: HEALTH_TIMEOUT_MS }),
    },
    close: () => opened.forEach((serviceClient) => serviceClient.close()),
  };
}
