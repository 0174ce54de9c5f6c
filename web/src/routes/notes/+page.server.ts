import { fail, redirect } from '@sveltejs/kit';
import { requireUser, unwrap } from '#lib/server/auth.js';
import { redirectWithFlash } from '#lib/server/flash.js';
import { formErrors, text, type FormState } from '#lib/server/forms.js';
import { redirectToLogin } from '#lib/server/redirects.js';
import type { Actions, PageServerLoad } from './$types';

const PAGE_SIZE = 20;

export const load: PageServerLoad = async (event) => {
  const { locals, url } = event;
  const user = await requireUser(event);
  const cursor = url.searchParams.get('cursor') ?? undefined;
  const result = await locals.session.call((token) =>
    locals.session.gateway.listNotes(token, { limit: PAGE_SIZE, cursor }, locals.session.signal),
  );
  // A stale or forged cursor: start from the first page.
  if (!result.ok && result.error.status === 400 && cursor) redirect(303, '/notes');
  const page = unwrap(result, url);
  return {
    userId: user.id,
    notes: page.notes.map((note) => ({
      id: note.id,
      title: note.title,
      excerpt: note.body.slice(0, 180),
      mine: note.ownerId === user.id,
      sharedCount: note.sharedWith.length,
      updatedAt: note.updatedAt,
    })),
    nextCursor: page.nextCursor,
    paged: Boolean(cursor),
  };
};

export const actions: Actions = {
  create: async ({ request, locals, url, cookies }) => {
    const data = await request.formData();
    const values = { title: text(data, 'title'), body: text(data, 'body') };
    const result = await locals.session.call((token) =>
      locals.session.gateway.createNote(token, values, locals.session.signal),
    );
    if (!result.ok) {
      if (result.error.status === 401) redirectToLogin(url, { withSearch: false });
      const state: FormState<'title' | 'body'> = {
        values,
        ...formErrors(result.error, ['title', 'body'] as const),
      };
      return fail(result.error.status, state);
    }
    redirectWithFlash(cookies, `/notes/${result.value.id}`, 'Note created.');
  },
};
