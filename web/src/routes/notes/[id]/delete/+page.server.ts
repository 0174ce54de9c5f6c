import { error, fail } from '@sveltejs/kit';
import { requireUser, unwrap } from '#lib/server/auth.js';
import { redirectWithFlash } from '#lib/server/flash.js';
import { redirectToLogin } from '#lib/server/redirects.js';
import type { Actions, PageServerLoad } from './$types';

/**
 * GET asks whether to delete the note: the confirmation step without JavaScript (with it, the note
 * page asks in a dialog and posts here directly). POST deletes.
 */
export const load: PageServerLoad = async (event) => {
  const { locals, params, url } = event;
  const user = await requireUser(event);
  const result = await locals.session.call((token) =>
    locals.session.gateway.getNote(token, params.id, locals.session.signal),
  );
  const note = unwrap(result, url, 'This note does not exist, or it is not shared with you.');
  if (note.ownerId !== user.id) error(403, 'Only the owner of a note can delete it.');
  return { note: { id: note.id, title: note.title } };
};

export const actions: Actions = {
  default: async ({ locals, params, url, cookies }) => {
    const result = await locals.session.call((token) =>
      locals.session.gateway.deleteNote(token, params.id, locals.session.signal),
    );
    if (!result.ok) {
      if (result.error.status === 401) redirectToLogin(url, { withSearch: false });
      // Not found: already deleted (a second click, another tab) — what was asked for.
      if (result.error.status !== 404) return fail(result.error.status, { message: result.error.message });
    }
    redirectWithFlash(cookies, '/notes', 'Note deleted.');
  },
};
