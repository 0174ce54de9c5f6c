import { fail } from '@sveltejs/kit';
import { requireUser, unwrap } from '#lib/server/auth.js';
import { redirectWithFlash } from '#lib/server/flash.js';
import type { Note, Result, Share } from '#lib/server/gateway.js';
import { formErrors, text, type FormState } from '#lib/server/forms.js';
import { redirectToLogin } from '#lib/server/redirects.js';
import type { Actions, PageServerLoad, PageServerLoadEvent, RequestEvent } from './$types';

export const load: PageServerLoad = async (event) => {
  const { locals, params, url } = event;
  const user = await requireUser(event);
  const result = await locals.session.call((token) =>
    locals.session.gateway.getNote(token, params.id, locals.session.signal),
  );
  const note = unwrap(result, url, 'This note does not exist, or it is not shared with you.');
  const mine = note.ownerId === user.id;
  return { note, mine, shares: mine ? await shares(event, note) : [] };
};

/** Who the owner shares the note with, by email; without emails if the list cannot be had right now. */
async function shares(event: PageServerLoadEvent, note: Note): Promise<Share[]> {
  if (note.sharedWith.length === 0) return [];
  const { locals, params } = event;
  const result = await locals.session.call((token) =>
    locals.session.gateway.listShares(token, params.id, locals.session.signal),
  );
  return result.ok ? result.value.shares : note.sharedWith.map((userId) => ({ userId, email: '' }));
}

/** Runs an action's gateway call; a session that ended sends the browser to the login page. */
async function run<T>(event: RequestEvent, call: (token: string) => Promise<Result<T>>): Promise<Result<T>> {
  const result = await event.locals.session.call(call);
  if (!result.ok && result.error.status === 401) redirectToLogin(event.url, { withSearch: false });
  return result;
}

/** Back to this note with a one-time message (a reload neither repeats the post nor the message). */
function done(event: RequestEvent, message: string): never {
  redirectWithFlash(event.cookies, event.url.pathname, message);
}

type NoteForm = FormState<'title' | 'body' | 'email', 'save' | 'share' | 'unshare'>;

// Deleting lives in ./delete: its page is the confirmation step without JavaScript.
export const actions: Actions = {
  save: async (event) => {
    const { locals, params, request } = event;
    const data = await request.formData();
    const values = { title: text(data, 'title'), body: text(data, 'body') };
    const result = await run(event, (token) =>
      locals.session.gateway.updateNote(token, params.id, values, locals.session.signal),
    );
    if (!result.ok) {
      const state: NoteForm = {
        action: 'save',
        values,
        ...formErrors(result.error, ['title', 'body'] as const),
      };
      return fail(result.error.status, state);
    }
    done(event, 'Saved.');
  },

  share: async (event) => {
    const { locals, params, request } = event;
    const email = text(await request.formData(), 'email').trim();
    const result = await run(event, (token) =>
      locals.session.gateway.shareNote(token, params.id, email, locals.session.signal),
    );
    if (!result.ok) {
      const state: NoteForm = {
        action: 'share',
        values: { email },
        ...formErrors(result.error, ['email'] as const, 'email'),
      };
      return fail(result.error.status, state);
    }
    done(event, `Shared with ${result.value.email}.`);
  },

  unshare: async (event) => {
    const { locals, params, request } = event;
    const userId = text(await request.formData(), 'userId');
    const result = await run(event, (token) =>
      locals.session.gateway.unshareNote(token, params.id, userId, locals.session.signal),
    );
    if (!result.ok && result.error.status !== 404) {
      const state: NoteForm = { action: 'unshare', fields: {}, message: result.error.message };
      return fail(result.error.status, state);
    }
    done(event, 'Stopped sharing.');
  },
};
