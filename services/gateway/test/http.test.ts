// What holds for the HTTP surface as a whole: probes, OpenAPI, unknown routes, security headers,
// unparsable requests, shutdown. No upstream is needed (nothing listens at their addresses).
import { connect } from 'node:net';
import SwaggerParser from '@apidevtools/swagger-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedAddress, expectError, startGateway, type Gateway } from './helpers.js';

let gateway: Gateway;

beforeAll(async () => {
  gateway = await startGateway({ USERS_ADDR: await closedAddress(), NOTES_ADDR: await closedAddress() });
});

afterAll(async () => {
  await gateway?.close();
});

describe('probes', () => {
  it('GET /healthz answers 200 {"status":"ok"} even with every upstream down', async () => {
    const response = await gateway.app.inject({ method: 'GET', url: '/healthz' });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
  });

  it('GET /readyz answers 503 quickly, naming the upstreams that are down', async () => {
    const started = Date.now();
    const response = await gateway.app.inject({ method: 'GET', url: '/readyz' });
    expect(expectError(response, 503, 'UNAVAILABLE')).toBe('Not ready: users, notes unavailable');
    expect(Date.now() - started).toBeLessThan(1_500);
  });
});

describe('OpenAPI', () => {
  it('GET /docs/json is a valid OpenAPI 3 document listing every route', async () => {
    const response = await gateway.app.inject({ method: 'GET', url: '/docs/json' });
    expect(response.statusCode).toBe(200);
    const document = response.json();
    expect(document.openapi).toMatch(/^3\./);
    await SwaggerParser.validate(structuredClone(document));

    const routes = Object.entries(document.paths as Record<string, Record<string, unknown>>).flatMap(
      ([path, methods]) => Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(routes.sort()).toEqual(
      [
        'GET /healthz',
        'GET /readyz',
        'POST /api/auth/signup',
        'POST /api/auth/login',
        'POST /api/auth/refresh',
        'POST /api/auth/logout',
        'GET /api/me',
        'GET /api/notes',
        'POST /api/notes',
        'GET /api/notes/{id}',
        'PATCH /api/notes/{id}',
        'DELETE /api/notes/{id}',
        'POST /api/notes/{id}/shares',
        'GET /api/notes/{id}/shares',
        'DELETE /api/notes/{id}/shares/{userId}',
      ].sort(),
    );
  });

  it('documents the bearer scheme, the error shape and the status codes of the contract', async () => {
    const document = (await gateway.app.inject({ method: 'GET', url: '/docs/json' })).json();
    expect(document.components.securitySchemes.bearerAuth).toEqual({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
    });
    expect(document.paths['/api/me'].get.security).toEqual([{ bearerAuth: [] }]);
    expect(document.paths['/api/auth/login'].post.security).toBeUndefined();

    const statuses = (path: string, method: string) =>
      Object.keys(document.paths[path][method].responses).sort();
    expect(statuses('/api/auth/signup', 'post')).toEqual(
      expect.arrayContaining(['201', '400', '409', '429']),
    );
    expect(statuses('/api/auth/login', 'post')).toEqual(expect.arrayContaining(['200', '400', '401', '429']));
    expect(statuses('/api/notes/{id}', 'patch')).toEqual(
      expect.arrayContaining(['200', '400', '401', '403', '404']),
    );
    expect(statuses('/api/notes/{id}/shares', 'post')).toEqual(
      expect.arrayContaining(['201', '400', '401', '403', '404', '409']),
    );
    expect(statuses('/api/notes/{id}', 'delete')).toContain('204');

    const errorSchema =
      document.paths['/api/notes/{id}'].get.responses['404'].content['application/json'].schema;
    expect(errorSchema.properties.error.properties).toHaveProperty('code');
    expect(errorSchema.properties.error.properties).toHaveProperty('message');
    const signupBody = document.paths['/api/auth/signup'].post.requestBody.content['application/json'].schema;
    expect(signupBody).toMatchObject({
      additionalProperties: false,
      required: ['email', 'password', 'name'],
    });
  });

  it('GET /docs serves the UI', async () => {
    const response = await gateway.app.inject({ method: 'GET', url: '/docs' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toContain('text/html');
  });
});

describe('HTTP surface', () => {
  it('answers an unknown route with 404 in the error shape', async () => {
    expectError(await gateway.app.inject({ method: 'GET', url: '/nope' }), 404, 'NOT_FOUND');
    expectError(await gateway.app.inject({ method: 'DELETE', url: '/api/auth/login' }), 404, 'NOT_FOUND');
  });

  it('sets the security headers (helmet) and no CORS headers', async () => {
    const response = await gateway.app.inject({
      method: 'GET',
      url: '/healthz',
      headers: { origin: 'https://evil.example' },
    });
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['x-frame-options']).toBeDefined();
    expect(response.headers['strict-transport-security']).toBeDefined();
    expect(response.headers['content-security-policy']).toBeDefined();
    expect(response.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await gateway.app.inject({
      method: 'OPTIONS',
      url: '/api/auth/login',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('answers unparsable HTTP with 400 in the error shape', async () => {
    const listening = await startGateway({
      USERS_ADDR: await closedAddress(),
      NOTES_ADDR: await closedAddress(),
    });
    try {
      await listening.app.listen({ host: '127.0.0.1', port: 0 });
      const { port } = listening.app.server.address() as { port: number };
      const raw = await new Promise<string>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => socket.write('GARBAGE / HTTP/1.1\r\n\r\n'));
        let data = '';
        socket.on('data', (chunk) => (data += chunk.toString()));
        socket.on('end', () => resolve(data));
        socket.on('error', reject);
      });
      expect(raw).toMatch(/^HTTP\/1\.1 400/);
      expect(JSON.parse(raw.slice(raw.indexOf('\r\n\r\n') + 4))).toEqual({
        error: { code: 'INVALID_ARGUMENT', message: 'Malformed HTTP request' },
      });
    } finally {
      await listening.close();
    }
  });
});
