import {
  createServer,
  ServerError,
  Status,
  type CallContext,
  type Server,
  type ServerMiddlewareCall,
} from 'nice-grpc';
import { isAbortError } from 'abort-controller-x';
import { ClientError } from 'nice-grpc-common';
import { errorDetailsServerMiddleware } from 'nice-grpc-error-details';
import { openTelemetryServerMiddleware } from 'nice-grpc-opentelemetry';
import { HealthDefinition, HealthServiceImpl, HealthState } from 'nice-grpc-server-health';
import { env, loadConfig } from '../config.js';
import type { Logger } from '../logger.js';

/**
 * Last line of defence: a domain error the handler did not map, or a bug, becomes INTERNAL with a
 * generic message (the details go to the log, never to the client). A dependency that is down or too
 * slow keeps its status (UNAVAILABLE, DEADLINE_EXCEEDED) so callers can answer 503/504.
 */
export function errorMiddleware(logger: Logger) {
  return async function* <Request, Response>(
    call: ServerMiddlewareCall<Request, Response>,
    context: CallContext,
  ): AsyncGenerator<Response, Response | void, undefined> {
    try {
      return yield* call.next(call.request, context);
    } catch (error) {
      if (error instanceof ServerError) throw error;
      if (isAbortError(error)) throw new ServerError(Status.CANCELLED, 'The call was cancelled');
      if (
        error instanceof ClientError &&
        (error.code === Status.UNAVAILABLE || error.code === Status.DEADLINE_EXCEEDED)
      ) {
        logger.warn(
          { method: call.method.path, upstream: error.path, code: Status[error.code] },
          'upstream call failed',
        );
        throw new ServerError(error.code, 'A service this call depends on is unavailable');
      }
      logger.error({ err: error, method: call.method.path }, 'unhandled error in gRPC call');
      throw new ServerError(Status.INTERNAL, 'Internal error');
    }
  };
}

/**
 * One log line per call, like an HTTP access log: method, status and duration, written inside the
 * call's span so it carries the trace id. Health checks (probes every few seconds) log at debug.
 */
export function callLogMiddleware(logger: Logger) {
  return async function* <Request, Response>(
    call: ServerMiddlewareCall<Request, Response>,
    context: CallContext,
  ): AsyncGenerator<Response, Response | void, undefined> {
    const started = performance.now();
    let code = Status.OK;
    try {
      return yield* call.next(call.request, context);
    } catch (error) {
      code = error instanceof ServerError ? error.code : Status.UNKNOWN;
      throw error;
    } finally {
      const durationMs = Math.round((performance.now() - started) * 10) / 10;
      const level = call.method.path.startsWith('/grpc.health.') ? 'debug' : 'info';
      logger[level]({ method: call.method.path, code: Status[code], durationMs }, 'call completed');
    }
  };
}

export interface GrpcServer {
  server: Server;
  /** The standard gRPC health service's state: healthy while serving, unhealthy once shutting down. */
  health: HealthState;
  /** Listens on host:port (port 0 picks a free one); returns the port actually bound. */
  listen(host: string, port: number): Promise<number>;
  /**
   * Drains, for SIGTERM: reports unhealthy, stops accepting connections, sends every client a GOAWAY
   * (they move to other replicas), lets the calls in flight finish (up to graceMs), then stops.
   */
  shutdown(graceMs?: number): Promise<void>;
}

export interface GrpcServerOptions {
  /**
   * A connection older than this gets a GOAWAY, so its client reconnects, resolves the name again and
   * spreads its calls over the replicas that exist now (a scale-up gets traffic). 0 means never.
   */
  maxConnectionAgeMs?: number;
  /** How long calls in flight on such a connection may take to finish before it is closed. */
  maxConnectionAgeGraceMs?: number;
}

/** The server's connection settings, from GRPC_MAX_CONNECTION_AGE_MS and GRPC_MAX_CONNECTION_AGE_GRACE_MS. */
export function grpcServerOptionsFromEnv(source: NodeJS.ProcessEnv = process.env): GrpcServerOptions {
  const config = loadConfig(
    {
      GRPC_MAX_CONNECTION_AGE_MS: env.int({ default: 30_000, min: 0 }),
      GRPC_MAX_CONNECTION_AGE_GRACE_MS: env.int({ default: 30_000, min: 0 }),
    },
    source,
  );
  return {
    maxConnectionAgeMs: config.GRPC_MAX_CONNECTION_AGE_MS,
    maxConnectionAgeGraceMs: config.GRPC_MAX_CONNECTION_AGE_GRACE_MS,
  };
}

/**
 * A nice-grpc server with tracing, a call log, the error middleware and the standard health service.
 * Its connections live at most `maxConnectionAgeMs` (30 s unless GRPC_MAX_CONNECTION_AGE_MS says otherwise).
 */
export function createGrpcServer(
  logger: Logger,
  options: GrpcServerOptions = grpcServerOptionsFromEnv(),
): GrpcServer {
  const channelOptions: Record<string, number> = {};
  if (options.maxConnectionAgeMs) {
    channelOptions['grpc.max_connection_age_ms'] = options.maxConnectionAgeMs;
    channelOptions['grpc.max_connection_age_grace_ms'] = options.maxConnectionAgeGraceMs ?? 30_000;
  }
  const server = createServer(channelOptions)
    .use(openTelemetryServerMiddleware())
    .use(callLogMiddleware(logger))
    .use(errorMiddleware(logger))
    // A RichServerError's details (google.rpc.BadRequest field violations) go into the status trailer.
    .use(errorDetailsServerMiddleware);
  const health = HealthState();
  server.add(HealthDefinition, HealthServiceImpl(health));
  return {
    server,
    health,
    listen: (host, port) => server.listen(`${host}:${port}`),
    async shutdown(graceMs = 10_000) {
      health.setStatus('unhealthy');
      // grpc-js's graceful shutdown closes the listeners and every HTTP/2 session (a GOAWAY: no new
      // calls on it, the calls in flight go on); forceShutdown cancels what is left after graceMs.
      const timer = setTimeout(() => server.forceShutdown(), graceMs);
      try {
        await server.shutdown();
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
