import { redirect } from '@sveltejs/kit';
import { redirectWithFlash } from '#lib/server/flash.js';
import type { Actions, PageServerLoad } from './$types';

/** GET /logout asks for confirmation (a link must not log anyone out); the form posts here. */
export const load: PageServerLoad = async ({ locals }) => {
  if (!locals.session.present) redirect(303, '/');
  return {};
};

export const actions: Actions = {
  default: async ({ locals, cookies }) => {
    await locals.session.logout();
    redirectWithFlash(cookies, '/', 'Logged out.');
  },
};
