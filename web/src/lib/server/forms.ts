// Turns a gateway error into what a form shows: a message next to each field it is about, or one for the
// whole form. The gateway names the fields in `details` ([{field, description}], from its own validation
// and from the services' google.rpc.BadRequest field violations); nothing here reads the message text.
import type { GatewayError } from './gateway.js';

export interface FormErrors<F extends string> {
  /** Per field, shown next to it. */
  fields: Partial<Record<F, string>>;
  /** About the whole form. */
  message?: string;
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
  const isField = (field: string): field is F => (fields as readonly string[]).includes(field);
  const shown: Partial<Record<F, string>> = {};
  const elsewhere: string[] = [];
  for (const { field, description } of error.details) {
    if (!isField(field)) elsewhere.push(capitalize(description));
    else shown[field] ??= capitalize(description);
  }
  if (Object.keys(shown).length > 0) {
    return elsewhere.length > 0 ? { fields: shown, message: elsewhere.join('. ') } : { fields: shown };
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
