// Turns a gateway error into what a form shows: a message next to the field it is about, or one for
// the whole form. The gateway names the field in its validation messages ("body/email must match
// format ..."), the services start theirs with it ("title must be 1 to 200 characters long").
import type { GatewayError } from './gateway.js';

export interface FormErrors<F extends string> {
  /** Per field, shown next to it. */
  fields: Partial<Record<F, string>>;
  /** About the whole form. */
  message?: string;
}

/** Friendlier wording of the JSON-schema messages the gateway passes on. */
function humanize(text: string): string {
  return text
    .replace(/^must NOT have fewer than 1 characters?$/, 'must not be empty')
    .replace(/^must NOT have fewer than (\d+) characters$/, 'must be at least $1 characters')
    .replace(/^must NOT have more than (\d+) characters$/, 'must be at most $1 characters')
    .replace(/^must match format "email"$/, 'must be a valid email address');
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * @param fields the form's fields, as the gateway names them
 * @param fallbackField where errors that name no field go (e.g. the email of a share form), if anywhere
 */
export function formErrors<F extends string>(
  error: GatewayError,
  fields: readonly F[],
  fallbackField?: F,
): FormErrors<F> {
  const match = /^(?:body\/)?([A-Za-z]+)\s+(.+)$/s.exec(error.message);
  const field = match?.[1] as F | undefined;
  if (error.code === 'INVALID_ARGUMENT' && match && field && fields.includes(field)) {
    return {
      fields: { [field]: `${capitalize(field)} ${humanize(match[2] ?? '')}` } as Partial<Record<F, string>>,
    };
  }
  if (fallbackField && error.status < 500) {
    return { fields: { [fallbackField]: error.message } as Partial<Record<F, string>> };
  }
  return { fields: {}, message: error.message };
}

/** A form field's text value ('' when absent or a file). */
export function text(data: FormData, name: string): string {
  const value = data.get(name);
  return typeof value === 'string' ? value : '';
}

/** What a form action answers, for the page to show: input to keep, errors, and a confirmation. */
export interface FormState<F extends string, A extends string = string> extends FormErrors<F> {
  action?: A;
  values?: Partial<Record<F, string>>;
  /** A success message. */
  done?: string;
}
