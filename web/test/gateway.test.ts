import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createGatewayClient, type GatewayClient } from '../src/lib/server/gateway.ts';
import { freePortUrl } from './ports.ts';
import { startTestGateway, type TestGateway } from './http-gateway.ts';

const note = {
  id: '3f1c2b8e-9c1a-4c55-8f00-0a4c1b2d3e4f',
  ownerId: '0b8c1d2e-3f40-4a5b-8c6d-7e8f9a0b1c2d',
  title: 'Groceries',
  body: 'Milk',
  sharedWith: [],
  createdAt: '2026-11-28T10:00:00.000Z',
  updatedAt: '2026-11-28T10:00:00.000Z',
};

let server: TestGateway;
let client: GatewayClient;

beforeAll(async () => {
  server = await startTestGateway();
  client = createGatewayClient({ baseUrl: `${server.url}/`, timeoutMs: 500 });
});
afterAll(() => server.close());
beforeEach(() => {
  server.received.length = 0;
});

describe('gateway client', () => {
  it('sends JSON with the bearer token and returns the typed answer', async () => {
    server.route = () => ({ status: 201, body: note });
    const result = await client.createNote('token-1', { title: 'Groceries', body: 'Milk' });
    expect(result).toEqual({ ok: true, value: note });
    const [request] = server.received;
    expect(request).toMatchObject({
      method: 'POST',
      url: '/api/notes',
      body: { title: 'Groceries', body: 'Milk' },
      headers: { authorization: 'Bearer token-1', 'content-type': 'application/json' },
    });
  });

  it('calls every route of the REST contract with the right method and path', async () => {
    server.route = (request) => ({
      status: request.method === 'DELETE' ? 204 : 200,
      body: request.method === 'DELETE' ? undefined : {},
    });
    const id = note.id;
    await client.signup({ email: 'a@example.com', password: 'password1', name: 'A' });
    await client.login({ email: 'a@example.com', password: 'password1' });
    await client.refresh('r1');
    await client.logout('r2');
    await client.me('t');
    await client.listNotes('t', { limit: 5, cursor: 'abc/=' });
    await client.listNotes('t');
    await client.getNote('t', id);
    await client.updateNote('t', id, { title: 'New', body: undefined });
    await client.deleteNote('t', id);
    await client.shareNote('t', id, 'b@example.com');
    await client.unshareNote('t', id, note.ownerId);
    await client.listShares('t', id);
    expect(server.received.map((r) => `${r.method} ${r.url}`)).toEqual([
      'POST /api/auth/signup',
      'POST /api/auth/login',
      'POST /api/auth/refresh',
      'POST /api/auth/logout',
      'GET /api/me',
      'GET /api/notes?limit=5&cursor=abc%2F%3D',
      'GET /api/notes',
      `GET /api/notes/${id}`,
      `PATCH /api/notes/${id}`,
      `DELETE /api/notes/${id}`,
      `POST /api/notes/${id}/shares`,
      `DELETE /api/notes/${id}/shares/${note.ownerId}`,
      `GET /api/notes/${id}/shares`,
    ]);
    expect(server.received[2]?.body).toEqual({ refreshToken: 'r1' });
    expect(server.received[3]?.body).toEqual({ refreshToken: 'r2' });
    expect(server.received[10]?.body).toEqual({ email: 'b@example.com' });
    expect(server.received[0]?.headers.authorization).toBeUndefined();
  });

  it('escapes ids in paths', async () => {
    server.route = () => ({
      status: 400,
      body: { error: { code: 'INVALID_ARGUMENT', message: 'params/id must match format "uuid"' } },
    });
    await client.getNote('t', '../me');
    expect(server.received[0]?.url).toBe('/api/notes/..%2Fme');
  });

  it('turns 204 into null', async () => {
    server.route = () => ({ status: 204 });
    expect(await client.deleteNote('t', note.id)).toEqual({ ok: true, value: null });
  });

  it('maps the error body to a typed error with the gateway message', async () => {
    server.route = () => ({
      status: 401,
      body: { error: { code: 'UNAUTHENTICATED', message: 'Invalid email or password' } },
    });
    expect(await client.login({ email: 'a@example.com', password: 'wrong-pass' })).toEqual({
      ok: false,
      error: { status: 401, code: 'UNAUTHENTICATED', message: 'Invalid email or password', details: [] },
    });
  });

  it("keeps the gateway's field violations (details), dropping malformed entries", async () => {
    const details = [{ field: 'title', description: 'title must not be empty' }];
    server.route = () => ({
      status: 400,
      body: {
        error: { code: 'INVALID_ARGUMENT', message: 'title must not be empty', details: [...details, 7] },
      },
    });
    expect(await client.createNote('t', { title: '', body: '' })).toEqual({
      ok: false,
      error: { status: 400, code: 'INVALID_ARGUMENT', message: 'title must not be empty', details },
    });
  });

  it('derives the code from the status when the body has none', async () => {
    server.route = () => ({ status: 409, text: '<html>conflict</html>' });
    const result = await client.shareNote('t', note.id, 'b@example.com');
    expect(result).toMatchObject({ ok: false, error: { status: 409, code: 'ALREADY_EXISTS' } });
  });

  it('never passes on the text of a 5xx answer', async () => {
    server.route = () => ({
      status: 500,
      body: { error: { code: 'INTERNAL', message: 'relation "notes" does not exist' } },
    });
    const result = await client.me('t');
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error).toMatchObject({ status: 500, code: 'INTERNAL' });
      expect(result.error.message).not.toContain('relation');
    }
  });

  it('reports a proxy error page (502) and 503 as UNAVAILABLE', async () => {
    server.route = () => ({ status: 502, text: 'Bad Gateway' });
    expect(await client.me('t')).toMatchObject({ ok: false, error: { status: 502, code: 'UNAVAILABLE' } });
    server.route = () => ({
      status: 503,
      body: { error: { code: 'UNAVAILABLE', message: 'A service is unavailable, try again later' } },
    });
    expect(await client.me('t')).toMatchObject({ ok: false, error: { status: 503, code: 'UNAVAILABLE' } });
  });

  it('reports a gateway that cannot be reached as UNAVAILABLE (503)', async () => {
    const down = createGatewayClient({ baseUrl: await freePortUrl() });
    expect(await down.me('t')).toMatchObject({ ok: false, error: { status: 503, code: 'UNAVAILABLE' } });
  });

  it('gives up on a gateway that does not answer in time', async () => {
    server.route = () => ({ status: 200, body: {}, delayMs: 2_000 });
    const started = Date.now();
    expect(await client.me('t')).toMatchObject({ ok: false, error: { status: 503, code: 'UNAVAILABLE' } });
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('stops when the caller aborts', async () => {
    server.route = () => ({ status: 200, body: {}, delayMs: 2_000 });
    const controller = new AbortController();
    const pending = client.listNotes('t', {}, controller.signal);
    setTimeout(() => controller.abort(), 50);
    expect((await pending).ok).toBe(false);
  });
});
