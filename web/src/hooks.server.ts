import { setHttpRoute } from '@app/platform/telemetry';
import type { Handle, HandleServerError } from '@sveltejs/kit/hooks';
import { gateway, refresher, secureCookies } from '#lib/server/config.js';
import { withClientAddress } from '#lib/server/client-address.js';
import { logger } from '#lib/server/log.js';
import { Session } from '#lib/server/session.js';

export const handle: Handle = async ({ event, resolve }) => {
  const started = performance.now();
  if (event.route.id) setHttpRoute(event.request.method, event.route.id);
  event.locals.session = new Session({
    cookies: event.cookies,
    gateway,
    refresher,
    secure: secureCookies,
    signal: event.request.signal,
  });
  // The gateway calls made for this request carry the browser's address (X-Forwarded-For).
  const response = await withClientAddress(clientAddress(event), () => resolve(event));
  response.headers.set('x-content-type-options', 'nosniff');
  response.headers.set('referrer-policy', 'same-origin');
  response.headers.set('x-frame-options', 'DENY');
  // One line per request, inside its span.
  logger.info(
    {
      method: event.request.method,
      path: event.url.pathname,
      route: event.route.id,
      statusCode: response.status,
      durationMs: Math.round((performance.now() - started) * 10) / 10,
    },
    'request completed',
  );
  return response;
};

/** The browser's address as adapter-node sees it (ADDRESS_HEADER / XFF_DEPTH behind a proxy). */
function clientAddress(event: Parameters<Handle>[0]['event']): string | undefined {
  try {
    return event.getClientAddress();
  } catch {
    return undefined; // not available (building, prerendering)
  }
}

/** Unexpected errors: logged here, a plain message for the browser (never a stack). */
export const handleError: HandleServerError = ({ kind, error, event }) => {
  if (kind !== 'unknown') return;
  logger.error({ err: error, path: event.url.pathname }, 'unhandled error');
  return { message: 'Something went wrong on our side. Please try again.' };
};
