// The notes part of the REST contract, over HTTP through the real gateway, notes and users services.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectDetails,
  expectError,
  signupAndLogin,
  startGateway,
  startNotes,
  startUsers,
  type Gateway,
  type Service,
  type Session,
} from './helpers.js';

let users: Service;
let notes: Service;
let gateway: Gateway;
let alice: Session;
let bob: Session;

beforeAll(async () => {
  users = await startUsers();
  notes = await startNotes(users.process.address);
  gateway = await startGateway({ USERS_ADDR: users.process.address, NOTES_ADDR: notes.process.address });
  alice = await signupAndLogin(gateway.app);
  bob = await signupAndLogin(gateway.app);
});

afterAll(async () => {
  await gateway?.close();
  await notes?.stop();
  await users?.stop();
});

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
const call = (session: Session | undefined, method: Method, url: string, payload?: object) =>
  gateway.app.inject({ method, url, headers: session?.auth ?? {}, ...(payload ? { payload } : {}) });

async function createNote(session: Session, title = 'A title', body = 'A body') {
  const response = await call(session, 'POST', '/api/notes', { title, body });
  expect(response.statusCode, response.body).toBe(201);
  return response.json<{
    id: string;
    ownerId: string;
    title: string;
    body: string;
    sharedWith: string[];
    createdAt: string;
    updatedAt: string;
  }>();
}

async function listAll(session: Session, limit: number) {
  const seen: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const query: string = `limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
    const response = await call(session, 'GET', `/api/notes?${query}`);
    expect(response.statusCode, response.body).toBe(200);
    const page = response.json<{ notes: { id: string }[]; nextCursor: string | null }>();
    expect(page.notes.length).toBeLessThanOrEqual(limit);
    seen.push(...page.notes.map((note) => note.id));
    cursor = page.nextCursor;
    pages += 1;
    expect(pages).toBeLessThan(50);
  } while (cursor !== null);
  return seen;
}

describe('notes', () => {
  it('creates, reads, updates and deletes a note', async () => {
    const note = await createNote(alice, 'First', 'Hello');
    expect(Object.keys(note).sort()).toEqual([
      'body',
      'createdAt',
      'id',
      'ownerId',
      'sharedWith',
      'title',
      'updatedAt',
    ]);
    expect(note).toMatchObject({ ownerId: alice.userId, title: 'First', body: 'Hello', sharedWith: [] });

    const read = await call(alice, 'GET', `/api/notes/${note.id}`);
    expect(read.statusCode).toBe(200);
    expect(read.json()).toEqual(note);

    const patched = await call(alice, 'PATCH', `/api/notes/${note.id}`, { title: 'Renamed' });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ id: note.id, title: 'Renamed', body: 'Hello' });

    const deleted = await call(alice, 'DELETE', `/api/notes/${note.id}`);
    expect(deleted.statusCode).toBe(204);
    expect(deleted.body).toBe('');
    expectError(await call(alice, 'GET', `/api/notes/${note.id}`), 404, 'NOT_FOUND');
  });

  it('hides a note from another user until it is shared, then allows reading only, until unshared', async () => {
    const note = await createNote(alice, 'Private', 'Secret');
    const url = `/api/notes/${note.id}`;

    // Not shared: B can neither see (404, not 403), nor change, nor delete, nor list it.
    expectError(await call(bob, 'GET', url), 404, 'NOT_FOUND');
    expectError(await call(bob, 'PATCH', url, { title: 'Mine now' }), 404, 'NOT_FOUND');
    expectError(await call(bob, 'DELETE', url), 404, 'NOT_FOUND');
    expect(await listAll(bob, 100)).not.toContain(note.id);
    expectError(await call(bob, 'POST', `${url}/shares`, { email: bob.email }), 404, 'NOT_FOUND');
    expectError(await call(bob, 'GET', `${url}/shares`), 404, 'NOT_FOUND');

    // Shared: B reads and lists it, but cannot change or delete it, nor share it on.
    const share = await call(alice, 'POST', `${url}/shares`, { email: bob.email });
    expect(share.statusCode, share.body).toBe(201);
    expect(share.json()).toEqual({ userId: bob.userId, email: bob.email });
    const read = await call(bob, 'GET', url);
    expect(read.statusCode).toBe(200);
    expect(read.json()).toMatchObject({ id: note.id, ownerId: alice.userId, sharedWith: [bob.userId] });
    expect(await listAll(bob, 100)).toContain(note.id);
    expectError(await call(bob, 'PATCH', url, { title: 'Mine now' }), 403, 'PERMISSION_DENIED');
    expectError(await call(bob, 'DELETE', url), 403, 'PERMISSION_DENIED');
    expectError(await call(bob, 'DELETE', `${url}/shares/${bob.userId}`), 403, 'PERMISSION_DENIED');
    expect((await call(alice, 'GET', url)).json()).toMatchObject({ title: 'Private', body: 'Secret' });
    // Only the owner sees who it is shared with, by email.
    const shares = await call(alice, 'GET', `${url}/shares`);
    expect(shares.statusCode, shares.body).toBe(200);
    expect(shares.json()).toEqual({ shares: [{ userId: bob.userId, email: bob.email }] });
    expectError(await call(bob, 'GET', `${url}/shares`), 403, 'PERMISSION_DENIED');

    // Unshared: 404 again.
    expect((await call(alice, 'DELETE', `${url}/shares/${bob.userId}`)).statusCode).toBe(204);
    expectError(await call(bob, 'GET', url), 404, 'NOT_FOUND');
    expect(await listAll(bob, 100)).not.toContain(note.id);
  });

  it('answers 404 for sharing with an unknown email and 409 for sharing twice', async () => {
    const note = await createNote(alice);
    const url = `/api/notes/${note.id}/shares`;
    expectError(await call(alice, 'POST', url, { email: 'nobody-at-all@example.com' }), 404, 'NOT_FOUND');
    expect((await call(alice, 'POST', url, { email: bob.email })).statusCode).toBe(201);
    expectError(await call(alice, 'POST', url, { email: bob.email }), 409, 'ALREADY_EXISTS');
    expectError(await call(alice, 'POST', url, { email: 'not an email' }), 400, 'INVALID_ARGUMENT');
  });

  it('pages through notes newest first, each exactly once', async () => {
    const carol = await signupAndLogin(gateway.app);
    const created: string[] = [];
    for (let i = 0; i < 5; i += 1) created.push((await createNote(carol, `Note ${i}`)).id);
    const seen = await listAll(carol, 2);
    expect(seen).toEqual([...created].reverse());

    const emptyCursor = await call(carol, 'GET', '/api/notes?limit=5&cursor=');
    expect(emptyCursor.json().notes.map((note: { id: string }) => note.id)).toEqual([...created].reverse());
    expectError(await call(carol, 'GET', '/api/notes?cursor=not-a-cursor'), 400, 'INVALID_ARGUMENT');

    const first = await call(carol, 'GET', '/api/notes?limit=2');
    expect(first.json().nextCursor).toEqual(expect.any(String));
    const all = await call(carol, 'GET', '/api/notes');
    expect(all.json()).toMatchObject({ nextCursor: null });
    expect(all.json().notes).toHaveLength(5);
  });

  it('stays stable when a note is created while paging', async () => {
    const dave = await signupAndLogin(gateway.app);
    const created: string[] = [];
    for (let i = 0; i < 4; i += 1) created.push((await createNote(dave, `Note ${i}`)).id);
    const first = (await call(dave, 'GET', '/api/notes?limit=2')).json();
    await createNote(dave, 'Inserted while paging');
    const second = (
      await call(dave, 'GET', `/api/notes?limit=2&cursor=${encodeURIComponent(first.nextCursor)}`)
    ).json();
    const ids = [...first.notes, ...second.notes].map((note: { id: string }) => note.id);
    expect(ids).toEqual([...created].reverse());
  });

  it("passes on the notes service's field violations as details: a title of spaces", async () => {
    const created = expectDetails(await call(alice, 'POST', '/api/notes', { title: '   ', body: 'x' }));
    expect(created).toEqual([{ field: 'title', description: 'title must be 1 to 200 characters long' }]);
    const note = await createNote(alice);
    const updated = expectDetails(await call(alice, 'PATCH', `/api/notes/${note.id}`, { title: ' ' }));
    expect(updated).toEqual([{ field: 'title', description: 'title must be 1 to 200 characters long' }]);
  });

  it('answers 400 for a malformed UUID, an out-of-range limit and invalid bodies', async () => {
    for (const method of ['GET', 'PATCH', 'DELETE'] as const) {
      const details = expectDetails(
        await call(alice, method, '/api/notes/not-a-uuid', method === 'PATCH' ? { title: 'x' } : undefined),
      );
      expect(details).toEqual([{ field: 'id', description: 'id must be a UUID' }]);
    }
    expectError(
      await call(alice, 'POST', '/api/notes/not-a-uuid/shares', { email: bob.email }),
      400,
      'INVALID_ARGUMENT',
    );
    expectError(await call(alice, 'GET', '/api/notes/not-a-uuid/shares'), 400, 'INVALID_ARGUMENT');
    const note = await createNote(alice);
    expectError(await call(alice, 'DELETE', `/api/notes/${note.id}/shares/nope`), 400, 'INVALID_ARGUMENT');

    expect(expectDetails(await call(alice, 'GET', '/api/notes?limit=0'))).toEqual([
      { field: 'limit', description: 'limit must be at least 1' },
    ]);
    expectError(await call(alice, 'GET', '/api/notes?limit=101'), 400, 'INVALID_ARGUMENT');
    expectError(await call(alice, 'GET', '/api/notes?limit=abc'), 400, 'INVALID_ARGUMENT');
    // Ajv coerces these to Infinity and then skips its range checks; the route still answers 400.
    for (const limit of ['Infinity', '-Infinity', '1e309'])
      expect(expectDetails(await call(alice, 'GET', `/api/notes?limit=${limit}`))[0]?.field).toBe('limit');
    expect((await call(alice, 'GET', '/api/notes?limit=100')).statusCode).toBe(200);

    expectError(await call(alice, 'POST', '/api/notes', { title: '', body: 'x' }), 400, 'INVALID_ARGUMENT');
    expectError(
      await call(alice, 'POST', '/api/notes', { title: 't'.repeat(201), body: 'x' }),
      400,
      'INVALID_ARGUMENT',
    );
    expectError(
      await call(alice, 'POST', '/api/notes', { title: 'ok', body: 'b'.repeat(100_001) }),
      400,
      'INVALID_ARGUMENT',
    );
    expect(
      (await call(alice, 'POST', '/api/notes', { title: 't'.repeat(200), body: 'b'.repeat(100_000) }))
        .statusCode,
    ).toBe(201);
    const extra = await call(alice, 'POST', '/api/notes', { title: 'ok', body: 'x', ownerId: bob.userId });
    expect(expectDetails(extra)).toEqual([{ field: 'ownerId', description: 'ownerId is not allowed' }]);
    expectError(
      await call(alice, 'PATCH', `/api/notes/${note.id}`, { sharedWith: [bob.userId] }),
      400,
      'INVALID_ARGUMENT',
    );
  });

  it('answers 404 for a well-formed id that does not exist', async () => {
    const id = '00000000-0000-4000-8000-000000000000';
    expectError(await call(alice, 'GET', `/api/notes/${id}`), 404, 'NOT_FOUND');
    expectError(await call(alice, 'PATCH', `/api/notes/${id}`, { title: 'x' }), 404, 'NOT_FOUND');
    expectError(await call(alice, 'DELETE', `/api/notes/${id}`), 404, 'NOT_FOUND');
  });

  it('requires an access token on every notes route', async () => {
    const id = '00000000-0000-4000-8000-000000000000';
    const routes: [Method, string][] = [
      ['GET', '/api/notes'],
      ['POST', '/api/notes'],
      ['GET', `/api/notes/${id}`],
      ['PATCH', `/api/notes/${id}`],
      ['DELETE', `/api/notes/${id}`],
      ['POST', `/api/notes/${id}/shares`],
      ['GET', `/api/notes/${id}/shares`],
      ['DELETE', `/api/notes/${id}/shares/${id}`],
    ];
    for (const [method, url] of routes) {
      expectError(
        await call(undefined, method, url, method === 'POST' || method === 'PATCH' ? {} : undefined),
        401,
        'UNAUTHENTICATED',
      );
    }
  });
});

describe('when a service is down', () => {
  it('answers 503 quickly, and /readyz 503, once the notes service stops', async () => {
    expect((await gateway.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    await notes.process.stop();

    const started = Date.now();
    expectError(await call(alice, 'GET', '/api/notes'), 503, 'UNAVAILABLE');
    expect(Date.now() - started).toBeLessThan(2_000);
    const ready = await gateway.app.inject({ method: 'GET', url: '/readyz' });
    expect(expectError(ready, 503, 'UNAVAILABLE')).toBe('Not ready: notes unavailable');
    expect((await gateway.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    // The users service still serves.
    expect((await call(alice, 'GET', '/api/me')).statusCode).toBe(200);
  });
});
