import { takeFlash } from '#lib/server/flash.js';
import type { LayoutServerLoad } from './$types';

/** Who is signed in, for the header (anonymous visitors cost no gateway call), and the flash message. */
export const load: LayoutServerLoad = async ({ locals, cookies, url }) => {
  // Reading the path makes this load run again on every navigation, so a flash is shown by the one
  // page it was set for and is gone from the next.
  void url.pathname;
  const flash = takeFlash(cookies);
  if (!locals.session.present) return { user: null, flash };
  const result = await locals.session.user();
  return { user: result.ok ? { name: result.value.name, email: result.value.email } : null, flash };
};
