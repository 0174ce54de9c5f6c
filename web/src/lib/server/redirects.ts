// Where to send the browser after logging in: only paths of this site, never another origin.
import { redirect } from '@sveltejs/kit';

export const DEFAULT_AFTER_LOGIN = '/notes';

/** `value` when it is a same-origin relative path ("/notes/1?x"), else the fallback. */
export function safeRedirectTo(value: string | null | undefined, fallback = DEFAULT_AFTER_LOGIN): string {
  if (!value || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return fallback;
  // Control characters and backslashes are read differently by browsers: refuse them.
  if ([...value].some((char) => char <= '\u001f' || char === '\u007f' || char === '\\')) return fallback;
  const base = 'http://same.invalid';
  let url: URL;
  try {
    url = new URL(value, base);
  } catch {
    return fallback;
  }
  if (url.origin !== base) return fallback;
  // Back to the login or signup page would be a loop.
  if (url.pathname === '/login' || url.pathname === '/signup') return fallback;
  return `${url.pathname}${url.search}${url.hash}`;
}

/** /login?redirectTo=<path> for a page that needs a user. */
export function loginUrl(path: string): string {
  return `/login?${new URLSearchParams({ redirectTo: safeRedirectTo(path, '/notes') })}`;
}

/** Sends the browser to the login page, remembering where it wanted to go. */
export function redirectToLogin(url: URL, { withSearch = true } = {}): never {
  redirect(303, loginUrl(withSearch ? `${url.pathname}${url.search}` : url.pathname));
}
