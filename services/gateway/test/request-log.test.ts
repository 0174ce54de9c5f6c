// The gateway writes one log line per request (not Fastify's "incoming request" + "request completed").
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { connectUpstreams } from '../src/upstreams.js';
import { closedAddress, testConfig } from './helpers.js';

const lines: Record<string, unknown>[] = [];
const sink = new Writable({
  write(chunk: Buffer, _encoding, done) {
    lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
    done();
  },
});

let app: ReturnType<typeof buildApp>;
let closeUpstreams: () => void;

beforeAll(async () => {
  const config = testConfig({ USERS_ADDR: await closedAddress(), NOTES_ADDR: await closedAddress() });
  const upstreams = connectUpstreams(config);
  closeUpstreams = () => upstreams.close();
  app = buildApp({ config, upstreams, logger: pino({ level: 'info' }, sink) });
  await app.ready();
});

afterAll(async () => {
  await app.close();
  closeUpstreams();
});

it('logs each request once, when it is answered: method, URL, status, duration', async () => {
  lines.length = 0;
  const response = await app.inject({ method: 'GET', url: '/api/me' });
  expect(response.statusCode).toBe(401);
  expect(lines).toEqual([
    expect.objectContaining({
      level: 30,
      msg: 'request completed',
      method: 'GET',
      url: '/api/me',
      statusCode: 401,
      durationMs: expect.any(Number),
    }),
  ]);
});
