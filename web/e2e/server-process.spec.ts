// The web server as a process (`node server.js`, the build): one JSON log line per request, with the
// request's trace id, and an error nobody handled logged as fatal before it exits with 1.
import type { ChildProcess } from 'node:child_process';
import { freePort, startOtlpReceiver, type OtlpReceiver } from '@app/devkit';
import { expect, test } from '@playwright/test';
import { startWebApp, stopChild } from './web-app.ts';

// Throws an uncaught exception in the server process when it gets SIGUSR2.
const CRASH_ON_SIGUSR2 = `data:text/javascript,${encodeURIComponent("process.on('SIGUSR2', () => { throw new Error('boom'); });")}`;

let receiver: OtlpReceiver;

test.beforeAll(async () => {
  receiver = await startOtlpReceiver();
});

test.afterAll(async () => {
  await receiver.close();
});

async function start(
  env: Record<string, string> = {},
): Promise<{ app: ChildProcess; lines: () => Record<string, unknown>[]; url: string }> {
  const port = await freePort();
  const url = `http://localhost:${port}`;
  // GATEWAY_URL: nothing listens there; the landing page does not need the gateway.
  const app = await startWebApp({
    PORT: String(port),
    ORIGIN: url,
    GATEWAY_URL: `http://127.0.0.1:${await freePort()}`,
    ...env,
  });
  let out = '';
  app.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const lines = () =>
    out
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { app, lines, url };
}

test('one log line per request, with its trace id', async () => {
  const { app, lines, url } = await start({
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    OTEL_BSP_SCHEDULE_DELAY: '100',
  });
  try {
    const response = await fetch(`${url}/`);
    expect(response.status).toBe(200);
    await expect.poll(() => lines().filter((l) => l.msg === 'request completed')).toHaveLength(1);
    const [line] = lines().filter((l) => l.msg === 'request completed');
    expect(line).toMatchObject({ service: 'web', level: 'info', method: 'GET', path: '/', statusCode: 200 });
    await expect
      .poll(() => receiver.spans.some((span) => span.service === 'web' && span.traceId === line!.trace_id))
      .toBe(true);
  } finally {
    await stopChild(app);
  }
});

test('an uncaught exception is logged as fatal and the process exits with 1', async () => {
  const { app, lines } = await start({ NODE_OPTIONS: `--import=${CRASH_ON_SIGUSR2}` });
  const exited = new Promise<number | null>((resolve) => app.once('exit', (code) => resolve(code)));
  app.kill('SIGUSR2');
  expect(await exited).toBe(1);
  expect(lines()).toContainEqual(
    expect.objectContaining({
      level: 'fatal',
      service: 'web',
      msg: 'uncaught exception',
      err: expect.objectContaining({ message: 'boom' }),
    }),
  );
});
