import { Metadata, ServerError, Status, type CallContext } from 'nice-grpc';

/**
 * The gateway authenticates the user and passes their id to services in this metadata entry.
 * Services trust only this (never an id in a request body) and check ownership themselves.
 */
export const CALLER_ID_METADATA_KEY = 'x-user-id';

/**
 * The end user's IP address as the gateway saw it (its `request.ip`, which honours TRUST_PROXY), for
 * the services' throttling. Like the caller id, only the gateway sets it.
 */
export const CLIENT_IP_METADATA_KEY = 'x-client-ip';

/** The client IP a call carries (see CLIENT_IP_METADATA_KEY), if any. */
export function clientIpOf(context: CallContext): string | undefined {
  return context.metadata.get(CLIENT_IP_METADATA_KEY) || undefined;
}

/** Metadata that carries the caller's identity to a downstream service. */
export function callerMetadata(userId: string): Metadata {
  return Metadata({ [CALLER_ID_METADATA_KEY]: userId });
}

/** The authenticated caller's id, or UNAUTHENTICATED when the call carries none. */
export function requireCallerId(context: CallContext): string {
  const userId = context.metadata.get(CALLER_ID_METADATA_KEY);
  if (!userId) throw new ServerError(Status.UNAUTHENTICATED, 'The call carries no authenticated user');
  return userId;
}
