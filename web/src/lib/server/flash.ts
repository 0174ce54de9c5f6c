// One-time messages ("Note created.", "Saved.", "Logged out."): a form action sets one and redirects,
// the page it lands on shows it once. It travels in a short-lived httpOnly cookie that the next page
// load clears, never in a query parameter that a reload or a bookmark would show again.
import { redirect, type Cookies } from '@sveltejs/kit';
import { secureCookies } from './config.js';

export const FLASH_COOKIE = 'flash';
/** Long enough for the redirect to be followed, short enough not to turn up later. */
const MAX_AGE_SECONDS = 60;
/** The messages are ours; a cookie edited by hand shows no more than this. */
const MAX_LENGTH = 300;

const options = () => ({ path: '/', httpOnly: true, sameSite: 'lax' as const, secure: secureCookies });

/** Sets the flash and redirects (303, so that a reload never repeats the form post). */
export function redirectWithFlash(cookies: Cookies, location: string, message: string): never {
  cookies.set(FLASH_COOKIE, message, { ...options(), maxAge: MAX_AGE_SECONDS });
  redirect(303, location);
}

/** The flash, if there is one; it is cleared, so the next request has none. */
export function takeFlash(cookies: Cookies): string | undefined {
  const message = cookies.get(FLASH_COOKIE);
  if (message === undefined) return undefined;
  cookies.delete(FLASH_COOKIE, options());
  return message.slice(0, MAX_LENGTH) || undefined;
}
