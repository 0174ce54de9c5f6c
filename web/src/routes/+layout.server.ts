import type { LayoutServerLoad } from './$types';

/** Who is signed in, for the header; anonymous visitors cost no gateway call. */
export const load: LayoutServerLoad = async ({ locals }) => {
  if (!locals.session.present) return { user: null };
  const result = await locals.session.user();
  return { user: result.ok ? { name: result.value.name, email: result.value.email } : null };
};
