import { fail, redirect } from '@sveltejs/kit';
import { formErrors, text, type FormState } from '#lib/server/forms.js';
import { safeRedirectTo } from '#lib/server/redirects.js';
import type { Actions, PageServerLoad } from './$types';

const FIELDS = ['email', 'password'] as const;

export const load: PageServerLoad = async ({ locals, url }) => {
  const redirectTo = safeRedirectTo(url.searchParams.get('redirectTo'));
  if (locals.session.present && (await locals.session.user()).ok) redirect(303, redirectTo);
  return {
    email: url.searchParams.get('email') ?? '',
    needsLogin: url.searchParams.has('redirectTo'),
  };
};

export const actions: Actions = {
  default: async ({ request, locals, url }) => {
    const data = await request.formData();
    const email = text(data, 'email').trim();
    const password = text(data, 'password');
    const values = { email };

    const result = await locals.session.gateway.login({ email, password }, locals.session.signal);
    if (!result.ok) {
      const { error } = result;
      // Wrong email or password (401) and "too many attempts" (429) are about the whole form.
      const state: FormState<(typeof FIELDS)[number]> = { values, ...formErrors(error, FIELDS) };
      return fail(error.status, state);
    }
    locals.session.start(result.value);
    redirect(303, safeRedirectTo(url.searchParams.get('redirectTo')));
  },
};
