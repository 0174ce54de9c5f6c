// One request is one trace, from the web app down to Postgres. A stack of its own — users, notes,
// gateway and the built web app (`node server.js`), exporting OTLP to a receiver this test runs — and
// a share done in the browser: the form action's request must arrive as one tree rooted at the web
// app's HTTP server span, with SvelteKit's handle/action spans, the fetch to the gateway, and the
// gateway → notes → users → Postgres hops below it. Were the web app to drop the context (no
// traceparent on its fetch), the gateway's spans would start a trace of their own and this would fail.
import type { ChildProcess } from 'node:child_process';
import { freePort, startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '@app/devkit';
import { expect, test } from '@playwright/test';
import { createNote, signUp, uniqueEmail } from './helpers.ts';
import { startBackend, startWebApp, stopChild, type Cleanups } from './web-app.ts';

const SHARE_ROUTE = '/api/notes/:id/shares';

let receiver: OtlpReceiver;
let baseURL: string;
const cleanups: Cleanups = [];

test.beforeAll(async () => {
  test.setTimeout(60_000);
  receiver = await startOtlpReceiver();
  cleanups.push(() => receiver.close());
  const otel = (name: string) => ({
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
    OTEL_BSP_SCHEDULE_DELAY: '100',
    OTEL_SERVICE_NAME: name,
  });
  // TEST_DATABASE_URL: set by the global setup (the workers inherit it).
  const { gateway } = await startBackend('e2e_trace', cleanups, otel);
  // The build the global setup made, as in production.
  const port = await freePort();
  baseURL = `http://localhost:${port}`;
  const app: ChildProcess = await startWebApp({
    PORT: String(port),
    ORIGIN: baseURL,
    GATEWAY_URL: `http://127.0.0.1:${gateway.port}`,
    ...otel('web'),
  });
  cleanups.push(() => stopChild(app));
});

test.afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch((error: unknown) => console.error(error));
});

const isDb = (span: ReceivedSpan) => span.attributes['db.system.name'] === 'postgresql';
const isShareAction = (span: ReceivedSpan) =>
  span.service === 'web' &&
  span.kind === 'SERVER' &&
  span.attributes['http.request.method'] === 'POST' &&
  // `?/share`, as the instrumentation writes it (`%2Fshare=`).
  typeof span.attributes['url.query'] === 'string' &&
  decodeURIComponent(span.attributes['url.query']).startsWith('/share');
const isGatewayShare = (span: ReceivedSpan) =>
  span.service === 'gateway' && span.kind === 'SERVER' && span.attributes['http.route'] === SHARE_ROUTE;

/** The trace as an indented tree, `service  KIND name`, siblings in the order they started. */
function renderTree(spans: ReceivedSpan[]): string {
  const ids = new Set(spans.map((span) => span.spanId));
  const byStart = (a: ReceivedSpan, b: ReceivedSpan) => Number(a.startTimeUnixNano - b.startTimeUnixNano);
  const lines: string[] = [];
  const walk = (span: ReceivedSpan, depth: number) => {
    lines.push(`${String(span.service).padEnd(8)} ${'  '.repeat(depth)}${span.kind} ${span.name}`);
    for (const child of spans.filter((s) => s.parentSpanId === span.spanId).sort(byStart)) {
      walk(child, depth + 1);
    }
  };
  for (const root of spans.filter((s) => !s.parentSpanId || !ids.has(s.parentSpanId)).sort(byStart)) {
    walk(root, 0);
  }
  return lines.join('\n');
}

test('a share done in the browser is one trace from the web app to Postgres', async ({ browser }) => {
  test.setTimeout(60_000);
  // Pages of this test's web app (the `page` fixture is bound to the global setup's).
  const errors: string[] = [];
  const newPage = async () => {
    const page = await (await browser.newContext({ baseURL })).newPage();
    page.on('pageerror', (error) => errors.push(error.message));
    return page;
  };
  const reader = await newPage();
  const readerEmail = await signUp(reader, uniqueEmail('trace-reader'), 'Reader');
  // The owner signs up (and so logs in) through the web app, writes a note there and shares it.
  const page = await newPage();
  await signUp(page, uniqueEmail('trace-owner'), 'Owner');
  await createNote(page, 'Traced', 'one trace per request');
  await page.getByLabel('Share with (email)').fill(readerEmail);
  await page.getByRole('button', { name: 'Share' }).click();
  await expect(page.getByRole('status')).toHaveText(`Shared with ${readerEmail}.`);
  expect(errors, 'uncaught errors in the page').toEqual([]);

  // Each process exports in its own batches: wait for the span each hop ends last, in whatever trace
  // it is (a hop that dropped the context would put its spans in another trace; the checks say so).
  const ended = (all: ReceivedSpan[], service: string, method: string) =>
    all.some((s) => s.service === service && s.kind === 'SERVER' && s.attributes['rpc.method'] === method);
  await receiver.waitFor(
    (all) =>
      all.some(isShareAction) &&
      all.some(isGatewayShare) &&
      ended(all, 'notes', 'ShareNote') &&
      ended(all, 'users', 'GetUserByEmail'),
  );
  await new Promise((done) => setTimeout(done, 500)); // batches still in flight
  const gatewayShare = receiver.spans.find(isGatewayShare)!;
  const spans = receiver.spans.filter((span) => span.traceId === gatewayShare.traceId);
  const tree = renderTree(spans);

  // One trace, every service, Postgres; one tree rooted at the web app's HTTP server span.
  expect(new Set(spans.map((span) => span.service)), tree).toEqual(
    new Set(['web', 'gateway', 'notes', 'users']),
  );
  expect(spans.filter(isDb).length, tree).toBeGreaterThan(0);
  const ids = new Set(spans.map((span) => span.spanId));
  for (const span of spans) if (span.parentSpanId) expect(ids.has(span.parentSpanId), tree).toBe(true);
  const roots = spans.filter((span) => !span.parentSpanId);
  expect(roots, tree).toHaveLength(1);
  const root = roots[0]!;
  expect(isShareAction(root), tree).toBe(true);
  expect(root.attributes).toMatchObject({ 'http.response.status_code': 200, 'http.route': '/notes/[id]' });
  expect(root.name).toBe('POST /notes/[id]');
  expect(root.attributes['url.path']).toEqual(expect.stringMatching(/^\/notes\/[0-9a-f-]{36}$/));

  // SvelteKit's spans, then the fetch to the gateway, whose server span is its child.
  const byId = new Map(spans.map((span) => [span.spanId, span]));
  const ancestors = (span: ReceivedSpan): ReceivedSpan[] => {
    const parent = span.parentSpanId ? byId.get(span.parentSpanId) : undefined;
    return parent ? [parent, ...ancestors(parent)] : [];
  };
  const action = spans.find((s) => s.service === 'web' && s.name === 'sveltekit.form_action');
  expect(action?.attributes['sveltekit.form_action.name'], tree).toBe('share');
  expect(
    ancestors(action!).map((s) => s.name),
    tree,
  ).toContain('sveltekit.handle.root');
  const fetchSpan = byId.get(gatewayShare.parentSpanId ?? '');
  expect(fetchSpan, tree).toMatchObject({ service: 'web', kind: 'CLIENT' });
  expect(fetchSpan!.attributes['http.request.method']).toBe('POST');
  expect(fetchSpan!.attributes['url.full']).toEqual(
    expect.stringMatching(/\/api\/notes\/[0-9a-f-]{36}\/shares$/),
  );
  expect(ancestors(fetchSpan!), tree).toContain(action);
  expect(gatewayShare.attributes['http.request.method']).toBe('POST');

  // Semantic conventions on the gRPC hops and the queries.
  for (const [service, kind, rpcService, method] of [
    ['gateway', 'CLIENT', 'notes.v1.NotesService', 'ShareNote'],
    ['notes', 'SERVER', 'notes.v1.NotesService', 'ShareNote'],
    ['notes', 'CLIENT', 'users.v1.UsersService', 'GetUserByEmail'],
    ['users', 'SERVER', 'users.v1.UsersService', 'GetUserByEmail'],
  ] as const) {
    const rpc = spans.filter(
      (s) =>
        s.service === service &&
        s.kind === kind &&
        s.attributes['rpc.service'] === rpcService &&
        s.attributes['rpc.method'] === method,
    );
    expect(rpc, `${service} ${kind} ${rpcService}/${method}\n${tree}`).toHaveLength(1);
    expect(rpc[0]!.attributes['rpc.system']).toBe('grpc');
  }
  for (const span of spans.filter((s) => s.kind === 'SERVER' && s.attributes['rpc.system'] === undefined)) {
    expect(span.attributes['http.request.method'], `${span.service}: ${span.name}`).toBe('POST');
  }
});

test('without an endpoint the web app serves and sends nothing', async () => {
  // On the OTLP default port (4318) when it is free: an exporter falling back to its default
  // endpoint would send there.
  const silent = await startOtlpReceiver({ port: 4318 }).catch(() => startOtlpReceiver());
  const port = await freePort();
  const app = await startWebApp({
    PORT: String(port),
    GATEWAY_URL: 'http://127.0.0.1:9', // unreachable: the pages below do not need it
    OTEL_BSP_SCHEDULE_DELAY: '50',
    OTEL_EXPORTER_OTLP_ENDPOINT: '',
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: '',
  });
  try {
    for (const path of ['/', '/login', '/notes']) {
      const response = await fetch(`http://127.0.0.1:${port}${path}`, { redirect: 'manual' });
      expect(response.status, path).toBeLessThan(400);
    }
  } finally {
    await stopChild(app); // a process that exports flushes when it stops
    await silent.close();
  }
  expect(silent.requests).toBe(0);
  expect(silent.connections).toBe(0);
});
