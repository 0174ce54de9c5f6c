// The gRPC clients of the services the gateway forwards to. Each has a default deadline on every
// call (createServiceClient) and the OTel client middleware.
import { NotesServiceDefinition } from '@app/notes';
import { createServiceClient, HealthDefinition, type ServiceClient } from '@app/platform';
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
  /** Default deadline of every call, in milliseconds. */
  timeoutMs: number;
}

export function connectUpstreams({ usersAddr, notesAddr, timeoutMs }: UpstreamAddresses): Upstreams {
  const opened: { close(): void }[] = [];
  const connect = <D extends CompatServiceDefinition>(definition: D, address: string, ms: number) => {
    const serviceClient = createServiceClient(definition, address, { timeoutMs: ms });
    opened.push(serviceClient);
    return serviceClient.client;
  };
  return {
    users: connect(UsersServiceDefinition, usersAddr, timeoutMs),
    notes: connect(NotesServiceDefinition, notesAddr, timeoutMs),
    health: {
      users: connect(HealthDefinition, usersAddr, HEALTH_TIMEOUT_MS),
      notes: connect(HealthDefinition, notesAddr, HEALTH_TIMEOUT_MS),
    },
    close: () => opened.forEach((serviceClient) => serviceClient.close()),
  };
}
