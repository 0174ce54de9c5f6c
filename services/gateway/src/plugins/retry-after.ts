// `Retry-After` on a 429 that a service decided (the users service's log-in, sign-up and refresh
// throttling): the service attaches a google.rpc.RetryInfo to its RESOURCE_EXHAUSTED, and the answer
// tells the client when to try again, in seconds, like the gateway's own rate limiter does.
import { RetryInfo, RichClientError } from 'nice-grpc-error-details';
import { Status } from 'nice-grpc-common';
import fp from 'fastify-plugin';

/** Whole seconds of the service's RetryInfo, at least 1; undefined when the error carries none. */
export function retryAfterSeconds(error: unknown): number | undefined {
  if (!(error instanceof RichClientError) || error.code !== Status.RESOURCE_EXHAUSTED) return undefined;
  for (const detail of error.extra) {
    if (detail.$type !== RetryInfo.$type || !detail.retryDelay) continue;
    const seconds = Number(detail.retryDelay.seconds ?? 0) + (detail.retryDelay.nanos ?? 0) / 1e9;
    return Math.max(1, Math.ceil(seconds));
  }
  return undefined;
}

export default fp(
  async (fastify) => {
    // onError runs before the error handler; the headers it sets stay on the error answer.
    fastify.addHook('onError', async (_request, reply, error) => {
      const seconds = retryAfterSeconds(error);
      if (seconds !== undefined) reply.header('retry-after', String(seconds));
    });
  },
  { name: 'retry-after' },
);
