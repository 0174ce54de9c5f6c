// One request is one trace across every hop. The real processes — gateway, notes, users, each on its
// own test database — export OTLP to a receiver the test runs; a share (gateway → notes → users, and
// Postgres in both services) must arrive as one tree rooted at the gateway's HTTP span, with the
// semantic-convention attributes, and the log lines written for it must carry its trace id.
// If any hop dropped the context, the spans after it would start a trace of their own and fail here.
import { fileURLToPath } from 'node:url';
import {
  createTestDatabase,
  startOtlpReceiver,
  startServiceProcess,
  type OtlpReceiver,
  type ReceivedSpan,
  type ServiceProcess,
  type TestDatabase,
} from '@app/devkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSWORD, TEST_SECRET, uniqueEmail } from './helpers.js';

const servicesDir = fileURLToPath(new URL('../../', import.meta.url));
const SHARE_ROUTE = '/api/notes/:id/shares';

interface Stack {
  gateway: ServiceProcess;
  notes: ServiceProcess;
  users: ServiceProcess;
  stop(): Promise<void>;
}

/** users, notes and gateway as real processes, wired to each other, with `otel` in each one's env. */
async function startStack(otel: (service: string) => Record<string, string | undefined>): Promise<Stack> {
  const processes: ServiceProcess[] = [];
  const databases: TestDatabase[] = [];
  const stop = async () => {
    for (const child of [...processes].reverse()) await child.stop();
    for (const database of databases) await database.drop();
  };
  const start = async (service: string, env: Record<string, string | undefined>) => {
    const child = await startServiceProcess({
      cwd: `${servicesDir}${service}`,
      env: { ...env, ...otel(service) },
    });
    processes.push(child);
    return child;
  };
  try {
    const usersDb = await createTestDatabase('gw_trace_users');
    databases.push(usersDb);
    const notesDb = await createTestDatabase('gw_trace_notes');
    databases.push(notesDb);
    const users = await start('users', { DATABASE_URL: usersDb.url, PASSWORD_HASH_COST: '12' });
    const notes = await start('notes', { DATABASE_URL: notesDb.url, USERS_ADDR: users.address });
    const gateway = await start('gateway', {
      JWT_SECRET: TEST_SECRET,
      USERS_ADDR: users.address,
      NOTES_ADDR: notes.address,
    });
    return { gateway, notes, users, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function post(gateway: ServiceProcess, path: string, body: unknown, token?: string) {
  const response = await fetch(`http://${gateway.address}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  expect(response.status, `POST ${path}: ${text}`).toBeLessThan(300);
  return { response, body: JSON.parse(text) as Record<string, unknown> };
}

/** Two users sign up, the first logs in, writes a note and shares it with the second (over HTTP). */
async function shareNote({ gateway, notes, users }: Stack) {
  const owner = uniqueEmail('trace-owner');
  const reader = uniqueEmail('trace-reader');
  await post(gateway, '/api/auth/signup', { email: owner, password: PASSWORD, name: 'Owner' });
  await post(gateway, '/api/auth/signup', { email: reader, password: PASSWORD, name: 'Reader' });
  const login = await post(gateway, '/api/auth/login', { email: owner, password: PASSWORD });
  const token = String(login.body.accessToken);
  const note = await post(gateway, '/api/notes', { title: 'Traced', body: 'one trace per request' }, token);
  const logsBefore = { gateway: gateway.logs.length, notes: notes.logs.length, users: users.logs.length };
  const share = await post(gateway, `/api/notes/${String(note.body.id)}/shares`, { email: reader }, token);
  expect(share.response.status).toBe(201);
  expect(share.body.email).toBe(reader);
  return { response: share.response, logsBefore, emails: [owner, reader] };
}

const isDb = (span: ReceivedSpan) =>
  span.attributes['db.system.name'] === 'postgresql' || span.attributes['db.system'] === 'postgresql';

/** The trace as an indented tree, `service  KIND name`, siblings in the order they started. */
function renderTree(spans: ReceivedSpan[]): string {
  const ids = new Set(spans.map((span) => span.spanId));
  const byStart = (a: ReceivedSpan, b: ReceivedSpan) =>
    a.startTimeUnixNano < b.startTimeUnixNano ? -1 : a.startTimeUnixNano > b.startTimeUnixNano ? 1 : 0;
  const lines: string[] = [];
  const walk = (span: ReceivedSpan, depth: number) => {
    const query = span.attributes['db.query.text'];
    const oneLine = typeof query === 'string' ? query.replace(/\s+/g, ' ') : undefined;
    const text = oneLine ? `  "${oneLine.length > 60 ? `${oneLine.slice(0, 60)}…` : oneLine}"` : '';
    lines.push(`${String(span.service).padEnd(8)} ${'  '.repeat(depth)}${span.kind} ${span.name}${text}`);
    const children = spans.filter((s) => s.parentSpanId === span.spanId).sort(byStart);
    for (const child of children) walk(child, depth + 1);
  };
  const roots = spans.filter((span) => !span.parentSpanId || !ids.has(span.parentSpanId)).sort(byStart);
  for (const root of roots) walk(root, 0);
  return lines.join('\n');
}

describe('tracing a share with an OTLP endpoint', () => {
  let receiver: OtlpReceiver;
  let stack: Stack;
  let traceId: string;
  let logsBefore: Record<'gateway' | 'notes' | 'users', number>;
  let emails: string[];
  let spans: ReceivedSpan[];
  let tree: string;

  beforeAll(async () => {
    receiver = await startOtlpReceiver();
    stack = await startStack((service) => ({
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_BSP_SCHEDULE_DELAY: '100',
      OTEL_SERVICE_NAME: service,
    }));
    const share = await shareNote(stack);
    traceId = share.response.headers.get('x-trace-id') ?? '';
    logsBefore = share.logsBefore;
    emails = share.emails;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    // Each process reports its spans in its own batches. Wait for the span each hop ends last —
    // gateway HTTP server, notes and users gRPC server — in whatever trace it is (were a hop to
    // drop the context, its spans would be in another one, and the assertions below say so).
    const ended = (all: ReceivedSpan[], service: string, match: (span: ReceivedSpan) => boolean) =>
      all.some((span) => span.service === service && span.kind === 'SERVER' && match(span));
    await receiver.waitFor(
      (all) =>
        ended(all, 'gateway', (span) => span.traceId === traceId && !span.parentSpanId) &&
        ended(all, 'notes', (span) => span.attributes['rpc.method'] === 'ShareNote') &&
        ended(all, 'users', (span) => span.attributes['rpc.method'] === 'GetUserByEmail'),
    );
    // Give the batches still in flight time to arrive.
    await new Promise((resolve) => setTimeout(resolve, 500));
    spans = receiver.spans.filter((span) => span.traceId === traceId);
    tree = renderTree(spans);
  }, 60_000);

  afterAll(async () => {
    await stack?.stop();
    await receiver?.close();
  });

  it('is one trace with spans from gateway, notes and users, and Postgres in both services', () => {
    expect(new Set(spans.map((span) => span.service))).toEqual(new Set(['gateway', 'notes', 'users']));
    expect(
      spans.some((span) => span.service === 'notes' && isDb(span)),
      tree,
    ).toBe(true);
    expect(
      spans.some((span) => span.service === 'users' && isDb(span)),
      tree,
    ).toBe(true);
    // Nothing the share did started a trace of its own: every span of the services in a trace with
    // a gateway span is in this one. (A hop that dropped the context would leave orphan traces.)
    const gatewayTraces = new Set(
      receiver.spans.filter((span) => span.service === 'gateway').map((span) => span.traceId),
    );
    const orphans = receiver.spans.filter(
      (span) => span.service !== 'gateway' && !gatewayTraces.has(span.traceId),
    );
    expect(orphans.map((span) => `${span.service}: ${span.kind} ${span.name}`)).toEqual([]);
  });

  it('keeps personal data and secrets out of the spans (query values are redacted)', () => {
    const query = spans.find(
      (span) => span.service === 'users' && isDb(span) && span.attributes['db.query.text'],
    );
    expect(query?.attributes['db.query.text'], tree).toEqual(
      expect.stringMatching(/^select .* from "users" .*\?/),
    );
    const everything = JSON.stringify(receiver.spans, (_key, value: unknown) =>
      typeof value === 'bigint' ? String(value) : value,
    );
    for (const secret of [...emails, PASSWORD]) expect(everything).not.toContain(secret);
  });

  it('is one tree rooted at the gateway HTTP server span', () => {
    const ids = new Set(spans.map((span) => span.spanId));
    const roots = spans.filter((span) => span.parentSpanId === undefined);
    expect(roots, tree).toHaveLength(1);
    for (const span of spans) if (span.parentSpanId) expect(ids.has(span.parentSpanId), tree).toBe(true);
    const root = roots[0]!;
    expect(root).toMatchObject({ service: 'gateway', kind: 'SERVER' });
    expect(root.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': SHARE_ROUTE,
      'http.response.status_code': 201,
    });
  });

  it('has gRPC spans with the semantic conventions, nested in call order gateway → notes → users', () => {
    const rpc = (service: string, kind: 'CLIENT' | 'SERVER', rpcService: string, method: string) => {
      const matching = spans.filter(
        (s) =>
          s.service === service &&
          s.kind === kind &&
          s.attributes['rpc.service'] === rpcService &&
          s.attributes['rpc.method'] === method,
      );
      expect(matching, `${service} ${kind} ${rpcService}/${method}\n${tree}`).toHaveLength(1);
      expect(matching[0]!.attributes['rpc.system']).toBe('grpc');
      return matching[0]!;
    };
    const shareClient = rpc('gateway', 'CLIENT', 'notes.v1.NotesService', 'ShareNote');
    const shareServer = rpc('notes', 'SERVER', 'notes.v1.NotesService', 'ShareNote');
    const lookupClient = rpc('notes', 'CLIENT', 'users.v1.UsersService', 'GetUserByEmail');
    const lookupServer = rpc('users', 'SERVER', 'users.v1.UsersService', 'GetUserByEmail');
    for (const span of spans.filter((s) => s.attributes['rpc.system'] !== undefined)) {
      expect(span.attributes['rpc.system'], span.name).toBe('grpc');
    }

    const byId = new Map(spans.map((span) => [span.spanId, span]));
    const ancestors = (span: ReceivedSpan): ReceivedSpan[] => {
      const parent = span.parentSpanId ? byId.get(span.parentSpanId) : undefined;
      return parent ? [parent, ...ancestors(parent)] : [];
    };
    const root = spans.find((span) => span.parentSpanId === undefined)!;
    expect(ancestors(shareClient), tree).toContain(root);
    expect(shareServer.parentSpanId, tree).toBe(shareClient.spanId);
    expect(ancestors(lookupClient), tree).toContain(shareServer);
    expect(lookupServer.parentSpanId, tree).toBe(lookupClient.spanId);
    // Each service's queries hang under its own gRPC server span.
    for (const query of spans.filter(isDb)) {
      const server = query.service === 'notes' ? shareServer : lookupServer;
      expect(ancestors(query), `${query.service}: ${query.name}\n${tree}`).toContain(server);
    }
  });

  it('writes the trace id on the log lines of the request', () => {
    // The gateway's request log line (one per request) is written inside it.
    const gatewayLines = stack.gateway.logs
      .slice(logsBefore.gateway)
      .filter((line) => line.msg === 'request completed' && String(line.url).endsWith('/shares'));
    expect(gatewayLines).toHaveLength(1);
    const spanIds = new Set(spans.map((span) => span.spanId));
    for (const line of gatewayLines) {
      expect(line.trace_id).toBe(traceId);
      expect(spanIds.has(String(line.span_id))).toBe(true);
    }
    // notes and users write one line per call (the platform's call log), inside the call's span;
    // every line they wrote during the share must carry its trace id.
    const expectedCalls = { notes: 'ShareNote', users: 'GetUserByEmail' };
    for (const service of ['notes', 'users'] as const) {
      const lines = stack[service].logs.slice(logsBefore[service]);
      expect(lines.map((line) => line.method)).toContainEqual(
        expect.stringContaining(expectedCalls[service]),
      );
      for (const line of lines) {
        expect(line, service).toMatchObject({ trace_id: traceId });
        expect(spanIds.has(String(line.span_id))).toBe(true);
      }
    }
  });
});

describe('tracing a share without an endpoint', () => {
  it('works, sends nothing and returns no trace id', async () => {
    // On the OTLP default port (4318) when it is free: an exporter falling back to its default
    // endpoint would send here.
    const receiver = await startOtlpReceiver({ port: 4318 }).catch(() => startOtlpReceiver());
    const stack = await startStack(() => ({
      OTEL_EXPORTER_OTLP_ENDPOINT: undefined,
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: undefined,
      OTEL_BSP_SCHEDULE_DELAY: '50',
    }));
    try {
      const { response } = await shareNote(stack);
      expect(response.headers.get('x-trace-id')).toBeNull();
      const processes = [stack.gateway, stack.notes, stack.users];
      // Stopping flushes whatever a process might have buffered.
      for (const child of processes) expect(await child.stop()).toBe(0);
      expect(receiver.requests).toBe(0);
      expect(receiver.connections).toBe(0);
      for (const child of processes) {
        expect(child.logs.some((line) => line.component === 'telemetry')).toBe(false);
      }
    } finally {
      await stack.stop();
      await receiver.close();
    }
  }, 60_000);
});
