import {
  createChannel,
  createClientFactory,
  type Channel,
  type Client,
  type CompatServiceDefinition,
} from 'nice-grpc';
import { deadlineMiddleware, type DeadlineOptions } from 'nice-grpc-client-middleware-deadline';
import { openTelemetryClientMiddleware } from 'nice-grpc-opentelemetry';
import { HealthDefinition } from 'nice-grpc-server-health';

export interface ServiceClientOptions {
  /** Deadline of every call, in milliseconds, unless the call passes its own `deadline`. */
  timeoutMs?: number;
}

export interface ServiceClient<D extends CompatServiceDefinition> {
  /** Each call also takes `{ deadline }` (ms from now, or a Date) to override the default. */
  client: Client<D, DeadlineOptions>;
  channel: Channel;
  close(): void;
}

const DEFAULT_TIMEOUT_MS = 5_000;

/**
 * A client for another service: traced, and with a deadline on every call, so a service that is down
 * or stuck yields DEADLINE_EXCEEDED/UNAVAILABLE quickly instead of a hang. Pass the incoming
 * `signal` along on each call so a cancelled request cancels its downstream calls too.
 */
export function createServiceClient<D extends CompatServiceDefinition>(
  definition: D,
  address: string,
  options: ServiceClientOptions = {},
): ServiceClient<D> {
  const channel = createChannel(address);
  const client = createClientFactory()
    .use(openTelemetryClientMiddleware())
    .use(deadlineMiddleware)
    .create(definition, channel, { '*': { deadline: options.timeoutMs ?? DEFAULT_TIMEOUT_MS } });
  return { client: client as Client<D, DeadlineOptions>, channel, close: () => channel.close() };
}

/** Asks a server's standard health service whether it is serving. Never throws. */
export async function isServing(
  client: Client<typeof HealthDefinition>,
  signal?: AbortSignal,
): Promise<boolean> {
  try {
    const response = await client.check({ service: '' }, signal ? { signal } : {});
    return response.status === 1; // SERVING
  } catch {
    return false;
  }
}

export { HealthDefinition };
