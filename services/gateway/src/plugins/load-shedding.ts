// Load shedding: when the event loop lags (the process is saturated), new requests are refused at
// once with 503 and `Retry-After`, in the error shape, instead of queueing until every answer is late.
// A readiness probe is refused too (the pod leaves the Service until it recovers); the liveness probe
// is not (a busy process is not a dead one, and restarting it would only lose the work in flight).
import underPressure from '@fastify/under-pressure';
import fp from 'fastify-plugin';
import { HttpError } from '../errors.js';

export interface LoadSheddingOptions {
  /** Mean event-loop delay, in ms, above which requests are refused; 0 turns shedding off. */
  maxEventLoopDelayMs: number;
  /** What `Retry-After` says, in seconds. */
  retryAfterSeconds?: number;
  /** How often the event loop is sampled, in ms. */
  sampleIntervalMs?: number;
}

export default fp<LoadSheddingOptions>(
  async (fastify, { maxEventLoopDelayMs, retryAfterSeconds = 2, sampleIntervalMs = 500 }) => {
    if (maxEventLoopDelayMs <= 0) return;
    // The first samples measure the start itself (loading modules, compiling schemas): not load.
    let armedAt = Number.POSITIVE_INFINITY;
    fastify.addHook('onReady', async () => {
      armedAt = Date.now() + 2 * sampleIntervalMs;
    });
    await fastify.register(underPressure, {
      maxEventLoopDelay: maxEventLoopDelayMs,
      sampleInterval: sampleIntervalMs,
      retryAfter: retryAfterSeconds,
      pressureHandler: async (request, reply, type, value) => {
        // Resolving lets the request go on.
        if (request.routeOptions.url === '/healthz' || Date.now() < armedAt) return;
        request.log.warn({ type, value }, 'overloaded, request refused');
        reply.header('retry-after', String(retryAfterSeconds));
        throw new HttpError(503, 'UNAVAILABLE', 'The server is overloaded, try again shortly');
      },
    });
  },
  { name: 'load-shedding' },
);
