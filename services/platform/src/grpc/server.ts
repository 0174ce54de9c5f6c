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
import { openTelemetryServerMiddleware } from 'nice-grpc-opentelemetry';
import { HealthDefinition, HealthServiceImpl, HealthState } from 'nice-grpc-server-health';
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
  /** Reports unhealthy, lets the calls in flight finish (up to graceMs), then stops. */
  shutdown(graceMs?: number): Promise<void>;
}

/** A nice-grpc server with tracing, a call log, the error middleware and the standard health service. */
export function createGrpcServer(logger: Logger): GrpcServer {
  const server = createServer()
    .use(openTelemetryServerMiddleware())
    .use(callLogMiddleware(logger))
    .use(errorMiddleware(logger));
  const health = HealthState();
  server.add(HealthDefinition, HealthServiceImpl(health));
  return {
    server,
    health,
    listen: (host, port) => server.listen(`${host}:${port}`),
    async shutdown(graceMs = 10_000) {
      health.setStatus('unhealthy');
      const timer = setTimeout(() => server.forceShutdown(), graceMs);
      try {
        await server.shutdown();
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
