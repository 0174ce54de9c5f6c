import { fail, redirect } from '@sveltejs/kit';
import { formErrors, text, type FormState } from '#lib/server/forms.js';
import { safeRedirectTo } from '#lib/server/redirects.js';
import type { Actions, PageServerLoad } from './$types';

const FIELDS = ['email', 'name', 'password'] as const;

export const load: PageServerLoad = async ({ locals }) => {
  if (locals.session.present && (await locals.session.user()).ok) redirect(303, '/notes');
  return {};
};

export const actions: Actions = {
  default: async ({ request, locals, url }) => {
    const data = await request.formData();
    const input = {
      email: text(data, 'email').trim(),
      name: text(data, 'name').trim(),
      password: text(data, 'password'),
    };
    // Everything but the password goes back into the form.
    const values = { email: input.email, name: input.name };
    const { gateway, signal } = locals.session;

    const created = await gateway.signup(input, signal);
    if (!created.ok) {
      const { error } = created;
      const state: FormState<(typeof FIELDS)[number]> = {
        values,
        ...formErrors(error, FIELDS, error.code === 'ALREADY_EXISTS' ? 'email' : undefined),
      };
      return fail(error.status, state);
    }

    // Signed up, and logged in by the same answer: one password hash, not a second for a log-in.
    locals.session.start(created.value.session);
    redirect(303, safeRedirectTo(url.searchParams.get('redirectTo')));
  },
};
