// The progressive enhancement every form uses: a busy flag while it is sent, passwords cleared and the
// first invalid field focused when the server refuses it (as a page load without JavaScript would).
import type { SubmitFunction } from '$app/forms';
import { tick } from 'svelte';

export interface EnhanceOptions {
  /** Called with true when the form is sent, false when the answer is applied. */
  busy?: (busy: boolean) => void;
  /** Reset the form after success or a redirect (use:enhance resets only on success). */
  reset?: boolean;
}

export function submitForm({ busy, reset = true }: EnhanceOptions = {}): SubmitFunction {
  return ({ formElement }) => {
    busy?.(true);
    return async ({ result, update }) => {
      try {
        await update({ reset });
        // Done, and redirected to where a flash says so (often this same page): clear the form as a
        // page load without JavaScript would.
        if (result.type === 'redirect' && reset) formElement.reset();
        if (result.type === 'failure') {
          for (const input of formElement.querySelectorAll<HTMLInputElement>('input[type="password"]'))
            input.value = '';
          await tick();
          formElement.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
        }
      } finally {
        busy?.(false);
      }
    };
  };
}
