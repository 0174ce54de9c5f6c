import { callerMetadata } from '@app/platform';
import type { FastifyRequest } from 'fastify';
import type { Metadata } from 'nice-grpc-common';

export interface CallOptions {
  signal: AbortSignal;
  metadata?: Metadata;
}

/**
 * The options of every gRPC call made for a request: the request's abort signal (a client that
 * disconnects cancels the call) and, for an authenticated request, the caller's identity.
 */
export function callOptions(request: FastifyRequest, userId?: string): CallOptions {
  // No deadline here: each client's per-method deadline applies (see connectUpstreams).
  const options: CallOptions = { signal: request.clientSignal };
  if (userId !== undefined) options.metadata = callerMetadata(userId);
  return options;
}
