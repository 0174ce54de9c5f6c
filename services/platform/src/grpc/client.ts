import {
  createChannel,
  createClientFactory,
  type Channel,
  type ChannelOptions,
  type Client,
  type CompatServiceDefinition,
} from 'nice-grpc';
import { deadlineMiddleware, type DeadlineOptions } from 'nice-grpc-client-middleware-deadline';
import { errorDetailsClientMiddleware } from 'nice-grpc-error-details';
import { openTelemetryClientMiddleware } from 'nice-grpc-opentelemetry';
import { HealthDefinition } from 'nice-grpc-server-health';
import { HealthCheckResponse_ServingStatus } from 'nice-grpc-server-health/lib/proto/grpc/health/v1/health.js';
import { serviceAddressTarget } from './address.js';

export interface ServiceClientOptions {
  /** Deadline of every call, in milliseconds, unless the call passes its own `deadline`. */
  timeoutMs?: number;
  /** Deadlines of particular methods (by their client name, e.g. `verifyCredentials`), in milliseconds. */
  methodTimeoutsMs?: Record<string, number>;
  /** grpc-js channel options, merged over the platform's (e.g. a shorter keep-alive in a test). */
  channelOptions?: ChannelOptions;
}

export interface ServiceClient<D extends CompatServiceDefinition> {
  /** Each call also takes `{ deadline }` (ms from now, or a Date) to override the default. */
  client: Client<D, DeadlineOptions>;
  channel: Channel;
  close: () => void;
}

const DEFAULT_TIMEOUT_MS = 5_000;

/** A keep-alive ping every 20 s, even when idle, so a peer that vanished is noticed within ~30 s. */
const KEEPALIVE = {
  'grpc.keepalive_time_ms': 20_000,
  'grpc.keepalive_timeout_ms': 10_000,
  'grpc.keepalive_permit_without_calls': 1,
} satisfies ChannelOptions;

/**
 * A client for another service: traced, and with a deadline on every call, so a service that is down
 * or stuck yields DEADLINE_EXCEEDED/UNAVAILABLE quickly instead of a hang. Pass the incoming
 * `signal` along on each call so a cancelled request cancels its downstream calls too.
 *
 * `address` is `host:port`, `dns:///host:port` (every A/AAAA record of the name, re-resolved when a
 * connection drops) or `ipv4:a.b.c.d:port,a.b.c.d:port` (a static list). Calls are spread round-robin
 * over every address that answers (grpc-js's `round_robin` policy), and calls of the methods the proto
 * marks idempotent (`option idempotency_level`) that fail with UNAVAILABLE are retried, on another
 * address when there is one, within their deadline.
 */
export function createServiceClient<D extends CompatServiceDefinition>(
  definition: D,
  address: string,
  options: ServiceClientOptions = {},
): ServiceClient<D> {
  const channel = createChannel(serviceAddressTarget(address), undefined, {
    'grpc.service_config': JSON.stringify(serviceConfig(definition)),
    // The service config above is the one; never take one from DNS TXT records.
    'grpc.service_config_disable_resolution': 1,
    ...KEEPALIVE,
    ...options.channelOptions,
  });
  const client = createClientFactory()
    .use(openTelemetryClientMiddleware())
    // A failed call that carries error details (e.g. field violations) throws a RichClientError.
    .use(errorDetailsClientMiddleware)
    .use(deadlineMiddleware)
    .create(definition, channel, {
      '*': { deadline: options.timeoutMs ?? DEFAULT_TIMEOUT_MS },
      ...Object.fromEntries(
        Object.entries(options.methodTimeoutsMs ?? {}).map(([method, deadline]) => [method, { deadline }]),
      ),
    });
  return { client, channel, close: () => channel.close() };
}

interface MethodInfo {
  service: string;
  method: string;
  idempotent: boolean;
}

/** The methods of a ts-proto (`fullName` + `methods`) or a nice-grpc/grpc-js (`path`) definition. */
export function methodsOf(definition: CompatServiceDefinition): MethodInfo[] {
  type Options = { idempotencyLevel?: string } | undefined;
  const idempotent = (options: Options) =>
    options?.idempotencyLevel === 'IDEMPOTENT' || options?.idempotencyLevel === 'NO_SIDE_EFFECTS';
  const def = definition as {
    fullName?: string;
    methods?: Record<string, { name: string; options?: Options }>;
  };
  if (typeof def.fullName === 'string' && def.methods) {
    return Object.values(def.methods).map((m) => ({
      service: def.fullName!,
      method: m.name,
      idempotent: idempotent(m.options),
    }));
  }
  return Object.values(definition as Record<string, { path: string; options?: Options }>).map((m) => {
    const [, service = '', method = ''] = m.path.split('/');
    return { service, method, idempotent: idempotent(m.options) };
  });
}

/**
 * grpc-js service config: round-robin over every resolved address, and a retry policy for the
 * idempotent methods. A retry happens only for UNAVAILABLE (the call did not get an answer from a
 * server: connection refused or reset, server going away), at most twice, and the retry throttle stops
 * retries when most calls fail (a service that is down must not get three times the load).
 */
export function serviceConfig(definition: CompatServiceDefinition) {
  const idempotent = methodsOf(definition).filter((m) => m.idempotent);
  return {
    loadBalancingConfig: [{ round_robin: {} }],
    methodConfig: idempotent.length
      ? [
          {
            name: idempotent.map(({ service, method }) => ({ service, method })),
            retryPolicy: {
              maxAttempts: 3,
              initialBackoff: '0.05s',
              maxBackoff: '0.5s',
              backoffMultiplier: 2,
              retryableStatusCodes: ['UNAVAILABLE'],
            },
          },
        ]
      : [],
    retryThrottling: { maxTokens: 20, tokenRatio: 0.5 },
  };
}

/** Asks a server's standard health service whether it is serving. Never throws. */
export async function isServing(
  client: Client<typeof HealthDefinition>,
  signal?: AbortSignal,
): Promise<boolean> {
  try {
    const response = await client.check({ service: '' }, signal ? { signal } : {});
    return response.status === HealthCheckResponse_ServingStatus.SERVING;
  } catch {
    return false;
  }
}

export { HealthDefinition };
