// What pages and form actions do with the answers of the gateway: a user who is not (or no longer)
// signed in goes to the login page; a gateway that is down or failing shows the error page (503).
import { error } from '@sveltejs/kit';
import type { GatewayError, Result, User } from './gateway.js';
import { redirectToLogin } from './redirects.js';

interface Event {
  locals: App.Locals;
  url: URL;
}

/** Throws the error page for a failure that is not the user's (gateway down, slow or broken). */
export function serviceError(failure: GatewayError): never {
  error(failure.status === 504 ? 504 : 503, failure.message);
}

/** The signed-in user, or a redirect to /login?redirectTo=<this page>. */
export async function requireUser({ locals, url }: Event): Promise<User> {
  const result = await locals.session.user();
  if (result.ok) return result.value;
  if (result.error.status === 401) redirectToLogin(url);
  serviceError(result.error);
}

/**
 * The value of a load's gateway call; 401 → login, 404 (and a malformed id, 400) → not found page,
 * anything else → the error page.
 */
export function unwrap<T>(result: Result<T>, url: URL, notFound = 'Not found'): T {
  if (result.ok) return result.value;
  const { status } = result.error;
  if (status === 401) redirectToLogin(url);
  if (status === 404 || status === 400 || status === 403) error(404, notFound);
  serviceError(result.error);
}
