// Abuse limits over real HTTP (not inject: these are the HTTP layer's own answers): body, URL and
// header sizes, unparsable and smuggling requests, content types, and load shedding. Every answer is
// the one error shape.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedAddress, startGateway, type Gateway } from './helpers.js';

let gateway: Gateway;
let port: number;

beforeAll(async () => {
  gateway = await startGateway({ USERS_ADDR: await closedAddress(), NOTES_ADDR: await closedAddress() });
  await gateway.app.listen({ host: '127.0.0.1', port: 0 });
  port = (gateway.app.server.address() as { port: number }).port;
});

afterAll(async () => {
  await gateway?.close();
});

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: unknown;
}

/** Sends bytes as they are and parses the one answer (the server may close the connection after it). */
function raw(request: string | Buffer, to = port): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(to, '127.0.0.1', () => socket.write(request));
    let data = Buffer.alloc(0);
    const finish = () => {
      const text = data.toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      if (split < 0) return reject(new Error(`no answer: ${JSON.stringify(text.slice(0, 200))}`));
      const [statusLine = '', ...lines] = text.slice(0, split).split('\r\n');
      const headers = Object.fromEntries(
        lines.map((line) => [
          line.slice(0, line.indexOf(':')).toLowerCase(),
          line.slice(line.indexOf(':') + 1).trim(),
        ]),
      );
      let body = text.slice(split + 4);
      if (headers['transfer-encoding'] === 'chunked')
        body = body.replace(/^[0-9a-f]+\r\n|\r\n[0-9a-f]+\r\n/gi, '');
      socket.destroy();
      try {
        resolve({
          status: Number(statusLine.split(' ')[1]),
          headers,
          body: JSON.parse(body.trim() || 'null'),
        });
      } catch {
        resolve({ status: Number(statusLine.split(' ')[1]), headers, body });
      }
    };
    socket.on('data', (chunk: Buffer) => {
      data = Buffer.concat([data, chunk]);
      const text = data.toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      const length = /content-length: *(\d+)/i.exec(text.slice(0, split))?.[1];
      if (
        split >= 0 &&
        length !== undefined &&
        data.length >= Buffer.byteLength(text.slice(0, split + 4)) + Number(length)
      )
        finish();
    });
    socket.on('end', finish);
    socket.on('error', (error: NodeJS.ErrnoException) =>
      error.code === 'ECONNRESET' && data.length ? finish() : reject(error),
    );
  });
}

function expectShape(answer: RawAnswer, status: number, code: string) {
  expect(answer.status, JSON.stringify(answer.body)).toBe(status);
  expect(answer.headers['content-type']).toMatch(/^application\/json/);
  const body = answer.body as { error: { code: string; message: string } };
  expect(Object.keys(body)).toEqual(['error']);
  expect(body.error.code).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(0);
}

const post = (path: string, body: string, headers = 'Content-Type: application/json\r\n') =>
  `POST ${path} HTTP/1.1\r\nHost: x\r\n${headers}Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;

describe("the HTTP layer's own errors", () => {
  it('400 for unparsable JSON, an empty body and a body that is not an object', async () => {
    expectShape(await raw(post('/api/auth/login', '{"email":')), 400, 'INVALID_ARGUMENT');
    expectShape(await raw(post('/api/auth/login', '')), 400, 'INVALID_ARGUMENT');
    expectShape(await raw(post('/api/auth/login', '"just a string"')), 400, 'INVALID_ARGUMENT');
    expectShape(
      await raw(post('/api/auth/login', '['.repeat(10_000) + ']'.repeat(10_000))),
      400,
      'INVALID_ARGUMENT',
    );
  });

  it('413 for a body over 1 MiB, said by its Content-Length or sent chunked', async () => {
    const big = `{"email":"${'a'.repeat(1024 * 1024)}"}`;
    expectShape(await raw(post('/api/auth/login', big)), 413, 'INVALID_ARGUMENT');
    const chunked =
      'POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n' +
      `${big.length.toString(16)}\r\n${big}\r\n0\r\n\r\n`;
    expectShape(await raw(chunked), 413, 'INVALID_ARGUMENT');
  });

  it('414 for a path parameter over the router limit', async () => {
    expectShape(
      await raw(`GET /api/notes/${'a'.repeat(600)} HTTP/1.1\r\nHost: x\r\n\r\n`),
      414,
      'INVALID_ARGUMENT',
    );
  });

  it('415 for a content type other than JSON', async () => {
    for (const type of [
      'application/xml',
      'text/html',
      'multipart/form-data; boundary=x',
      'application/x-www-form-urlencoded',
    ]) {
      expectShape(
        await raw(post('/api/auth/login', 'a=b', `Content-Type: ${type}\r\n`)),
        415,
        'INVALID_ARGUMENT',
      );
    }
  });

  it('431 for headers over 16 KiB, one huge header or a URL that long', async () => {
    expectShape(
      await raw(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`),
      431,
      'INVALID_ARGUMENT',
    );
    expectShape(
      await raw(`GET /healthz?${'a'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`),
      431,
      'INVALID_ARGUMENT',
    );
    const many = Array.from({ length: 2_000 }, (_, i) => `X-H${i}: v\r\n`).join('');
    expectShape(await raw(`GET /healthz HTTP/1.1\r\nHost: x\r\n${many}\r\n`), 431, 'INVALID_ARGUMENT');
  });

  it('400 for request smuggling shapes and malformed requests', async () => {
    const requests = [
      // Both Content-Length and Transfer-Encoding, and two different lengths.
      'POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      'POST /api/auth/login HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}',
      // No Host in HTTP/1.1, a control character in a header, a bare LF, an invalid method.
      'GET /healthz HTTP/1.1\r\n\r\n',
      'GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\u0001b\r\n\r\n',
      'GET /healthz HTTP/1.1\nHost: x\n\rX: y\r\n\r\n',
      'G\u0000T /healthz HTTP/1.1\r\nHost: x\r\n\r\n',
      'GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n',
    ];
    for (const request of requests) expectShape(await raw(request), 400, 'INVALID_ARGUMENT');
  });

  it('400 for a malformed escape in the URL, and the server still answers afterwards', async () => {
    expectShape(await raw('GET /api/notes/%E0%A4%A HTTP/1.1\r\nHost: x\r\n\r\n'), 400, 'INVALID_ARGUMENT');
    expect((await raw('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n')).status).toBe(200);
  });
});

describe('load shedding', () => {
  it('refuses requests with 503 and Retry-After while the event loop lags, keeps /healthz, then recovers', async () => {
    const busy = await startGateway({
      USERS_ADDR: await closedAddress(),
      NOTES_ADDR: await closedAddress(),
      LOAD_SHED_EVENT_LOOP_DELAY_MS: '30',
    });
    try {
      await busy.app.listen({ host: '127.0.0.1', port: 0 });
      const busyPort = (busy.app.server.address() as { port: number }).port;
      const readyz = `GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n`;
      // Stall the event loop (what a saturated process looks like), then ask while it has not caught up.
      let shed: RawAnswer | undefined;
      for (let attempt = 0; attempt < 10 && !shed; attempt++) {
        const until = Date.now() + 700;
        while (Date.now() < until); // busy: nothing else runs
        const answer = await raw(readyz, busyPort);
        if (answer.status === 503 && answer.headers['retry-after']) shed = answer;
      }
      expect(shed, 'no request was refused while the event loop lagged').toBeDefined();
      expectShape(shed!, 503, 'UNAVAILABLE');
      expect(Number(shed!.headers['retry-after'])).toBeGreaterThan(0);
      expect((shed!.body as { error: { message: string } }).error.message).toMatch(/overloaded/);

      const until = Date.now() + 700;
      while (Date.now() < until);
      expect((await raw('GET /healthz?probe=1 HTTP/1.1\r\nHost: x\r\n\r\n', busyPort)).status).toBe(200);

      // Once the loop is idle again, requests get through.
      await expect
        .poll(async () => (await raw('GET /api/me HTTP/1.1\r\nHost: x\r\n\r\n', busyPort)).status, {
          timeout: 5_000,
        })
        .toBe(401);
    } finally {
      await busy.close();
    }
  });
});
