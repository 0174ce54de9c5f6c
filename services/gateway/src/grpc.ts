import { CALLER_ID_METADATA_KEY, CLIENT_IP_METADATA_KEY } from '@app/platform';
import type { FastifyRequest } from 'fastify';
import { Metadata } from 'nice-grpc-common';

export interface CallOptions {
  signal: AbortSignal;
  metadata: Metadata;
}

/**
 * The options of every gRPC call made for a request: the request's abort signal (a client
 * that disconnects cancels the call), the client's IP (`request.ip`, which honours TRUST_PROXY: the
 * services throttle on it) and, for an authenticated request, the caller's identity.
 */
export function callOptions(request: FastifyRequest, userId?: string): CallOptions {
  const metadata = Metadata({ [CLIENT_IP_METADATA_KEY]: request.ip });
  if (userId !== undefined) metadata.set(CALLER_ID_METADATA_KEY, userId);
  // No deadline here: each client's per-method deadline applies (see connectUpstreams).
  return { signal: request.clientSignal, metadata };
}
