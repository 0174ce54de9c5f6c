import { describe, expect, it } from 'vitest';
import { formErrors } from '../src/lib/server/forms.ts';

const invalid = (message: string) => ({ status: 400, code: 'INVALID_ARGUMENT' as const, message });

describe('formErrors', () => {
  const fields = ['email', 'name', 'password'] as const;

  it('puts the gateway validation message next to the field it names', () => {
    expect(formErrors(invalid('body/password must NOT have fewer than 8 characters'), fields)).toEqual({
      fields: { password: 'Password must be at least 8 characters' },
    });
    expect(formErrors(invalid('body/email must match format "email"'), fields)).toEqual({
      fields: { email: 'Email must be a valid email address' },
    });
    expect(formErrors(invalid('body/name must NOT have fewer than 1 characters'), fields)).toEqual({
      fields: { name: 'Name must not be empty' },
    });
  });

  it('understands the services’ messages, which start with the field', () => {
    expect(formErrors(invalid('title must be 1 to 200 characters long'), ['title', 'body'])).toEqual({
      fields: { title: 'Title must be 1 to 200 characters long' },
    });
  });

  it('keeps messages about other fields, or none, for the whole form', () => {
    expect(formErrors(invalid('body/extra is not allowed'), fields)).toEqual({
      fields: {},
      message: 'body/extra is not allowed',
    });
    const wrong = { status: 401, code: 'UNAUTHENTICATED' as const, message: 'Invalid email or password' };
    expect(formErrors(wrong, fields)).toEqual({ fields: {}, message: 'Invalid email or password' });
  });

  it('sends field-less errors to the fallback field, except failures of the service', () => {
    const taken = {
      status: 409,
      code: 'ALREADY_EXISTS' as const,
      message: 'A user with this email already exists',
    };
    expect(formErrors(taken, fields, 'email')).toEqual({
      fields: { email: 'A user with this email already exists' },
    });
    const down = { status: 503, code: 'UNAVAILABLE' as const, message: 'The service is unavailable' };
    expect(formErrors(down, fields, 'email')).toEqual({ fields: {}, message: 'The service is unavailable' });
  });
});
