import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Metadata } from 'nice-grpc';
import { createServiceClient } from '../src/grpc/client.js';
import { freePort } from '@app/devkit';
import {
  createTestDatabase,
  startOtlpReceiver,
  startServiceProcess,
  type OtlpReceiver,
  type ReceivedSpan,
  type ServiceProcess,
  type TestDatabase,
} from '@app/devkit';
import { OuterDefinition } from './fixtures/definitions.js';

// The fixture is a real process started as services are (tsx + the telemetry register): an HTTP
// route (Fastify) → gRPC Outer/Relay → gRPC Inner/Count → Postgres through MikroORM.
const platformDir = fileURLToPath(new URL('..', import.meta.url));
const entry = 'test/fixtures/traced-app.ts';

async function get(app: ServiceProcess, path: string, headers: Record<string, string> = {}) {
  const response = await fetch(`http://${app.address}${path}`, { headers });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as { count: number; traceId: string | null },
  };
}

describe('telemetry with an OTLP endpoint', () => {
  let db: TestDatabase;
  let receiver: OtlpReceiver;
  let app: ServiceProcess;

  beforeAll(async () => {
    db = await createTestDatabase('telemetry');
    receiver = await startOtlpReceiver();
    app = await startServiceProcess({
      cwd: platformDir,
      entry,
      env: {
        DATABASE_URL: db.url,
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
        OTEL_SERVICE_NAME: 'traced-app',
        OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=test',
        OTEL_BSP_SCHEDULE_DELAY: '100',
      },
    });
  });
  afterAll(async () => {
    await app?.stop();
    await receiver?.close();
    await db?.drop();
  });

  it('makes one trace of a request across HTTP, two gRPC hops and Postgres, with semconv attributes', async () => {
    const response = await get(app, '/work/42');
    expect(response.status).toBe(200);
    expect(response.body.count).toBe(2);
    const traceId = response.body.traceId!;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(response.headers.get('x-trace-id')).toBe(traceId);

    const inTrace = (spans: ReceivedSpan[]) => spans.filter((span) => span.traceId === traceId);
    const isDb = (span: ReceivedSpan) =>
      span.attributes['db.system.name'] === 'postgresql' || span.attributes['db.system'] === 'postgresql';
    const spans = inTrace(
      await receiver.waitFor((all) => {
        const trace = inTrace(all);
        // The HTTP server span ends last, once the response is written.
        return (
          trace.some(isDb) &&
          trace.some((span) => span.kind === 'SERVER' && span.attributes['http.request.method'] === 'GET')
        );
      }),
    );
    const describeTrace = spans
      .map((s) => `${s.kind} ${s.name} ${s.spanId}<-${s.parentSpanId ?? 'root'}`)
      .join('\n');

    // One tree: a single root, and every other span's parent is in the trace.
    const ids = new Set(spans.map((span) => span.spanId));
    const roots = spans.filter((span) => span.parentSpanId === undefined);
    expect(roots, describeTrace).toHaveLength(1);
    for (const span of spans)
      if (span.parentSpanId) expect(ids.has(span.parentSpanId), describeTrace).toBe(true);
    expect(new Set(spans.map((span) => span.service))).toEqual(new Set(['traced-app']));
    expect(spans[0]!.resource['deployment.environment.name']).toBe('test');

    // HTTP: the server span is the root and carries the route; @fastify/otel's request span too.
    const http = roots[0]!;
    expect(http).toMatchObject({ kind: 'SERVER', name: 'GET /work/:id' });
    expect(http.attributes).toMatchObject({
      'http.request.method': 'GET',
      'http.route': '/work/:id',
      'http.response.status_code': 200,
    });

    // gRPC: client and server span for each of the two hops, nested in call order.
    const rpc = (kind: string, service: string, method: string) => {
      const span = spans.find(
        (s) =>
          s.kind === kind && s.attributes['rpc.service'] === service && s.attributes['rpc.method'] === method,
      );
      expect(span, `${kind} ${service}/${method}\n${describeTrace}`).toBeDefined();
      expect(span!.attributes['rpc.system']).toBe('grpc');
      return span!;
    };
    const outerClient = rpc('CLIENT', 'fixture.v1.Outer', 'Relay');
    const outerServer = rpc('SERVER', 'fixture.v1.Outer', 'Relay');
    const innerClient = rpc('CLIENT', 'fixture.v1.Inner', 'Count');
    const innerServer = rpc('SERVER', 'fixture.v1.Inner', 'Count');
    expect(outerServer.parentSpanId).toBe(outerClient.spanId);
    expect(innerClient.parentSpanId).toBe(outerServer.spanId);
    expect(innerServer.parentSpanId).toBe(innerClient.spanId);
    const ancestors = (span: ReceivedSpan): string[] => {
      const parent = spans.find((s) => s.spanId === span.parentSpanId);
      return parent ? [parent.spanId, ...ancestors(parent)] : [];
    };
    expect(ancestors(outerClient)).toContain(http.spanId);

    // Postgres: the query made by the Inner handler, under its server span.
    const query = spans.find(
      (span) => isDb(span) && span.kind === 'CLIENT' && span.attributes['db.query.text'],
    );
    expect(query, describeTrace).toBeDefined();
    expect(query!.attributes['db.query.text']).toEqual(expect.stringMatching(/count/i));
    expect(ancestors(query!)).toContain(innerServer.spanId);

    // The exporter's own requests are not traced (no feedback loop).
    expect(receiver.spans.some((span) => JSON.stringify(span.attributes).includes('/v1/traces'))).toBe(false);
  });

  it('writes the trace id and span id on every log line inside a request', async () => {
    const before = app.logs.length;
    const { body } = await get(app, '/work/7');
    const traceId = body.traceId!;
    await receiver.waitFor((all) =>
      all.some((span) => span.traceId === traceId && span.kind === 'SERVER' && span.attributes['http.route']),
    );
    const lines = app.logs
      .slice(before)
      .filter((line) => ['handling work', 'outer call', 'inner call'].includes(String(line.msg)));
    expect(lines.map((line) => line.msg)).toEqual(['handling work', 'outer call', 'inner call']);
    for (const line of lines) {
      expect(line.trace_id).toBe(traceId);
      expect(line.span_id).toMatch(/^[0-9a-f]{16}$/);
    }
    // Each line's span is a span of that trace.
    const spanIds = new Set(
      receiver.spans.filter((span) => span.traceId === traceId).map((span) => span.spanId),
    );
    for (const line of lines) expect(spanIds.has(String(line.span_id))).toBe(true);
  });

  it('continues a trace started by the caller (W3C traceparent)', async () => {
    const callerTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
    const { body } = await get(app, '/work/1', { traceparent: `00-${callerTrace}-00f067aa0ba902b7-01` });
    expect(body.traceId).toBe(callerTrace);
    const spans = await receiver.waitFor((all) =>
      all.some(
        (span) => span.traceId === callerTrace && span.kind === 'SERVER' && span.attributes['http.route'],
      ),
    );
    const root = spans.find(
      (span) => span.traceId === callerTrace && span.attributes['http.route'] && span.kind === 'SERVER',
    );
    expect(root?.parentSpanId).toBe('00f067aa0ba902b7');
  });

  it('flushes the spans still buffered when the process stops', async () => {
    const { body } = await get(app, '/work/9');
    expect(await app.stop()).toBe(0);
    expect(
      receiver.spans.some(
        (span) => span.traceId === body.traceId && span.kind === 'SERVER' && span.attributes['http.route'],
      ),
    ).toBe(true);
  });
});

describe('telemetry without an endpoint', () => {
  it('sends nothing, attempts no connection, and the app works', async () => {
    const db = await createTestDatabase('telemetry_off');
    // On the OTLP default port (4318) when it is free: an exporter falling back to its default
    // endpoint would connect here.
    const receiver = await startOtlpReceiver({ port: 4318 }).catch(() => startOtlpReceiver());
    const app = await startServiceProcess({
      cwd: platformDir,
      entry,
      env: {
        DATABASE_URL: db.url,
        OTEL_EXPORTER_OTLP_ENDPOINT: undefined,
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: undefined,
        OTEL_BSP_SCHEDULE_DELAY: '50',
      },
    });
    try {
      const { status, body } = await get(app, '/work/1');
      expect(status).toBe(200);
      expect(body.count).toBe(2);
      expect(body.traceId).toBeNull(); // no spans are recorded
      // A trace started upstream still crosses this process's gRPC hops: the log lines carry its id.
      const outerPort = app.logs.find((line) => line.msg === 'grpc listening')?.outerPort;
      const outer = createServiceClient(OuterDefinition, `127.0.0.1:${String(outerPort)}`);
      const callerTrace = '4bf92f3577b34da6a3ce929d0e0e4736';
      const before = app.logs.length;
      try {
        const metadata = Metadata({ traceparent: `00-${callerTrace}-00f067aa0ba902b7-01` });
        expect(await outer.client.relay({}, { metadata })).toEqual({ count: 2 });
      } finally {
        outer.close();
      }
      const lines = app.logs
        .slice(before)
        .filter((line) => ['outer call', 'inner call'].includes(String(line.msg)));
      expect(lines.map((line) => [line.msg, line.trace_id])).toEqual([
        ['outer call', callerTrace],
        ['inner call', callerTrace],
      ]);
      expect(await app.stop()).toBe(0);
      expect(receiver.requests).toBe(0);
      expect(receiver.connections).toBe(0);
      expect(app.logs.some((line) => line.component === 'telemetry')).toBe(false);
    } finally {
      await app.stop();
      await receiver.close();
      await db.drop();
    }
  });
});

describe('telemetry with an unreachable endpoint', () => {
  it('keeps serving and logs one warning, not one per batch', async () => {
    const db = await createTestDatabase('telemetry_down');
    const closedPort = await freePort();
    const app = await startServiceProcess({
      cwd: platformDir,
      entry,
      env: {
        DATABASE_URL: db.url,
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${closedPort}`,
        OTEL_BSP_SCHEDULE_DELAY: '50',
        OTEL_EXPORTER_OTLP_TIMEOUT: '500',
      },
    });
    try {
      for (let i = 0; i < 5; i++) {
        const { status } = await get(app, `/work/${i}`);
        expect(status).toBe(200);
        await new Promise((resolve) => setTimeout(resolve, 300)); // several batches, each failing
      }
      expect(await app.stop()).toBe(0);
      const warnings = app.logs.filter((line) => line.level === 'warn' || line.level === 'error');
      // Without OTEL_SERVICE_NAME the service is named after the package it runs in (@app/platform).
      expect(warnings[0]?.service).toBe('platform');
      expect(warnings.map((line) => line.msg)).toEqual([
        'cannot export traces; spans are dropped until the endpoint answers (reported once)',
      ]);
    } finally {
      await app.stop();
      await db.drop();
    }
  });
});

describe('telemetry with OTEL_TRACES_SAMPLER=always_off', () => {
  it('records and sends no span, and the app works', async () => {
    const db = await createTestDatabase('telemetry_sampler');
    const receiver = await startOtlpReceiver();
    const app = await startServiceProcess({
      cwd: platformDir,
      entry,
      env: {
        DATABASE_URL: db.url,
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
        OTEL_TRACES_SAMPLER: 'always_off',
        OTEL_BSP_SCHEDULE_DELAY: '50',
      },
    });
    try {
      expect((await get(app, '/work/1')).status).toBe(200);
      expect(await app.stop()).toBe(0);
      expect(receiver.spans).toEqual([]);
    } finally {
      await app.stop();
      await receiver.close();
      await db.drop();
    }
  });
});
