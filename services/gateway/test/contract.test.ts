// The contract as a client sees it, without any upstream (nothing listens at their addresses): limits
// come from the services that own them, validation errors name each field in `details`, JSON bodies are
// never coerced, and the OpenAPI document says all of it.
import { NOTE_LIMITS } from '@app/notes';
import { USER_LIMITS } from '@app/users';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../src/error-codes.js';
import {
  closedAddress,
  expectDetails,
  expectError,
  PASSWORD,
  startGateway,
  type Gateway,
} from './helpers.js';

let gateway: Gateway;
let auth: { authorization: string };
let document: any;

beforeAll(async () => {
  gateway = await startGateway({ USERS_ADDR: await closedAddress(), NOTES_ADDR: await closedAddress() });
  await gateway.app.ready();
  auth = { authorization: `Bearer ${gateway.app.signAccessToken('00000000-0000-4000-8000-000000000001')}` };
  document = (await gateway.app.inject({ method: 'GET', url: '/docs/json' })).json();
});

afterAll(async () => {
  await gateway?.close();
});

const post = (url: string, payload: object, headers: Record<string, string> = {}) =>
  gateway.app.inject({ method: 'POST', url, payload, headers });
const bodySchema = (path: string, method: string) =>
  document.paths[path][method].requestBody.content['application/json'].schema;

describe('limits, written once by the service that owns them', () => {
  it('the request schemas (and /docs) carry the users service limits', () => {
    const signup = bodySchema('/api/auth/signup', 'post').properties;
    expect(signup.password.minLength).toBe(USER_LIMITS.passwordMinLength);
    expect(signup.password.maxLength).toBe(USER_LIMITS.passwordMaxLength);
    expect(signup.name.maxLength).toBe(USER_LIMITS.nameMaxLength);
    expect(signup.email.maxLength).toBe(USER_LIMITS.emailMaxLength);
    expect(bodySchema('/api/auth/login', 'post').properties.password.maxLength).toBe(
      USER_LIMITS.passwordMaxLength,
    );
  });

  it('the request schemas (and /docs) carry the notes service limits', () => {
    for (const [path, method] of [
      ['/api/notes', 'post'],
      ['/api/notes/{id}', 'patch'],
    ] as const) {
      const { title, body } = bodySchema(path, method).properties;
      expect(title.maxLength).toBe(NOTE_LIMITS.titleMaxLength);
      expect(body.maxLength).toBe(NOTE_LIMITS.bodyMaxLength);
    }
    const limit = document.paths['/api/notes'].get.parameters.find(
      (parameter: { name: string }) => parameter.name === 'limit',
    ).schema;
    expect(limit).toMatchObject({ maximum: NOTE_LIMITS.pageSizeMax, default: NOTE_LIMITS.pageSizeDefault });
  });

  it('rejects one past each limit, with the limit in the description', async () => {
    const tooLong = 'n'.repeat(USER_LIMITS.nameMaxLength + 1);
    expect(
      expectDetails(await post('/api/auth/signup', { email: 'a@b.co', password: PASSWORD, name: tooLong })),
    ).toEqual([
      { field: 'name', description: `name must be at most ${USER_LIMITS.nameMaxLength} characters long` },
    ]);
    const title = 't'.repeat(NOTE_LIMITS.titleMaxLength + 1);
    expect(expectDetails(await post('/api/notes', { title, body: '' }, auth))).toEqual([
      { field: 'title', description: `title must be at most ${NOTE_LIMITS.titleMaxLength} characters long` },
    ]);
  });
});

describe('field-level validation errors', () => {
  it('names every rejected field of a body at once', async () => {
    const details = expectDetails(
      await post('/api/auth/signup', { email: 'nope', password: 'short', name: '', role: 'admin' }),
    );
    expect(details).toEqual([
      { field: 'role', description: 'role is not allowed' },
      { field: 'email', description: 'email must be a valid email address' },
      { field: 'password', description: 'password must be at least 8 characters long' },
      { field: 'name', description: 'name must not be empty' },
    ]);
  });

  it('names a missing field, and the body itself when it is not an object', async () => {
    expect(expectDetails(await post('/api/auth/login', { email: 'a@b.co' }))).toEqual([
      { field: 'password', description: 'password is required' },
    ]);
    const response = await gateway.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      headers: { 'content-type': 'application/json' },
      payload: '["a@b.co"]',
    });
    expect(expectDetails(response)).toEqual([{ field: 'body', description: 'body must be an object' }]);
  });

  it('names path parameters and query parameters by their names', async () => {
    const get = (url: string) => gateway.app.inject({ method: 'GET', url, headers: auth });
    expect(expectDetails(await get('/api/notes/42'))).toEqual([
      { field: 'id', description: 'id must be a UUID' },
    ]);
    expect(expectDetails(await get('/api/notes?limit=101'))).toEqual([
      { field: 'limit', description: `limit must be at most ${NOTE_LIMITS.pageSizeMax}` },
    ]);
  });

  it('other errors have no details', async () => {
    const response = await gateway.app.inject({ method: 'GET', url: '/api/me' });
    expectError(response, 401, 'UNAUTHENTICATED');
    expect(response.json().error).not.toHaveProperty('details');
  });
});

describe('no type coercion of JSON bodies', () => {
  it('rejects a number for a string and a string for a string-typed password, naming the field', async () => {
    expect(expectDetails(await post('/api/notes', { title: 123, body: 'x' }, auth))).toEqual([
      { field: 'title', description: 'title must be a string' },
    ]);
    expect(
      expectDetails(await post('/api/auth/signup', { email: 'a@b.co', password: 12345678, name: 'A' })),
    ).toEqual([{ field: 'password', description: 'password must be a string' }]);
    const patch = await gateway.app.inject({
      method: 'PATCH',
      url: '/api/notes/00000000-0000-4000-8000-000000000000',
      headers: auth,
      payload: { body: false },
    });
    expect(expectDetails(patch)).toEqual([{ field: 'body', description: 'body must be a string' }]);
  });

  it('still coerces query strings: ?limit=5 passes validation (and reaches the service, which is down)', async () => {
    const response = await gateway.app.inject({ method: 'GET', url: '/api/notes?limit=5', headers: auth });
    expectError(response, 503, 'UNAVAILABLE');
  });
});

describe('the error shape in the OpenAPI document', () => {
  it('documents code (the one list of codes), message and details [{field, description}]', () => {
    const schema =
      document.paths['/api/notes'].post.responses['400'].content['application/json'].schema.properties.error;
    expect(schema.required).toEqual(['code', 'message']);
    expect(schema.properties.code.enum).toEqual([...ERROR_CODES]);
    expect(schema.properties.details).toMatchObject({
      type: 'array',
      items: {
        type: 'object',
        required: ['field', 'description'],
        properties: { field: { type: 'string' }, description: { type: 'string' } },
      },
    });
  });
});
