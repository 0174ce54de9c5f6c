import { describe, expect, it } from 'vitest';
import type { FieldViolation } from '../src/lib/server/gateway.ts';
import { formErrors } from '../src/lib/server/forms.ts';

const invalid = (message: string, details: FieldViolation[]) => ({
  status: 400,
  code: 'INVALID_ARGUMENT' as const,
  message,
  details,
});

describe('formErrors', () => {
  const fields = ['email', 'name', 'password'] as const;

  it('puts each field violation of `details` next to its field, whatever the message says', () => {
    const error = invalid('anything at all', [
      { field: 'password', description: 'password must be at least 8 characters long' },
      { field: 'email', description: 'email must be a valid email address' },
    ]);
    expect(formErrors(error, fields)).toEqual({
      fields: {
        password: 'Password must be at least 8 characters long',
        email: 'Email must be a valid email address',
      },
    });
  });

  it('keeps the first violation of a field', () => {
    const error = invalid('x', [
      { field: 'name', description: 'name must not be empty' },
      { field: 'name', description: 'name is required' },
    ]);
    expect(formErrors(error, fields)).toEqual({ fields: { name: 'Name must not be empty' } });
  });

  it('says violations of fields the form does not have for the whole form', () => {
    const error = invalid('extra is not allowed', [{ field: 'extra', description: 'extra is not allowed' }]);
    expect(formErrors(error, fields)).toEqual({ fields: {}, message: 'extra is not allowed' });
    const mixed = invalid('x', [
      { field: 'extra', description: 'extra is not allowed' },
      { field: 'email', description: 'email must be a valid email address' },
    ]);
    expect(formErrors(mixed, fields)).toEqual({
      fields: { email: 'Email must be a valid email address' },
      message: 'Extra is not allowed',
    });
  });

  it('never guesses a field from the message text', () => {
    expect(formErrors(invalid('title must be 1 to 200 characters long', []), ['title', 'body'])).toEqual({
      fields: {},
      message: 'title must be 1 to 200 characters long',
    });
    const wrong = {
      status: 401,
      code: 'UNAUTHENTICATED' as const,
      message: 'Invalid email or password',
      details: [],
    };
    expect(formErrors(wrong, fields)).toEqual({ fields: {}, message: 'Invalid email or password' });
  });

  it('sends field-less errors to the fallback field, except failures of the service', () => {
    const taken = {
      status: 409,
      code: 'ALREADY_EXISTS' as const,
      message: 'A user with this email already exists',
      details: [],
    };
    expect(formErrors(taken, fields, 'email')).toEqual({
      fields: { email: 'A user with this email already exists' },
    });
    const down = {
      status: 503,
      code: 'UNAVAILABLE' as const,
      message: 'The service is unavailable',
      details: [],
    };
    expect(formErrors(down, fields, 'email')).toEqual({ fields: {}, message: 'The service is unavailable' });
  });
});
