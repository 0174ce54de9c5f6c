// One request is one trace across hops: gateway (HTTP) → users (gRPC), and the gateway's log lines
// for the request carry its trace id. Real processes exporting OTLP to a receiver the test runs.
import { fileURLToPath } from 'node:url';
import {
  startOtlpReceiver,
  startServiceProcess,
  type OtlpReceiver,
  type ServiceProcess,
} from '@app/platform/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedAddress, PASSWORD, startUsers, TEST_SECRET, uniqueEmail, type Service } from './helpers.js';

let receiver: OtlpReceiver;
let users: Service;
let gateway: ServiceProcess;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  const otel = { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_BSP_SCHEDULE_DELAY: '100' };
  users = await startUsers({ ...otel, OTEL_SERVICE_NAME: 'users' });
  gateway = await startServiceProcess({
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    env: {
      ...otel,
      OTEL_SERVICE_NAME: 'gateway',
      JWT_SECRET: TEST_SECRET,
      USERS_ADDR: users.process.address,
      NOTES_ADDR: await closedAddress(),
    },
  });
});

afterAll(async () => {
  await gateway?.stop();
  await users?.stop();
  await receiver?.close();
});

describe('tracing', () => {
  it('puts the gateway request and the users call in one trace, and the trace id in the logs', async () => {
    const email = uniqueEmail('trace');
    const response = await fetch(`http://${gateway.address}/api/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: PASSWORD, name: 'Trace' }),
    });
    expect(response.status).toBe(201);

    const spans = await receiver.waitFor((received) =>
      received.some(
        (span) => span.service === 'users' && span.kind === 'SERVER' && span.name.includes('CreateUser'),
      ),
    );
    const usersSpan = spans.find(
      (span) => span.service === 'users' && span.kind === 'SERVER' && span.name.includes('CreateUser'),
    )!;
    const trace = spans.filter((span) => span.traceId === usersSpan.traceId);
    const gatewaySpans = trace.filter((span) => span.service === 'gateway');
    expect(gatewaySpans.some((span) => span.kind === 'SERVER')).toBe(true);
    expect(gatewaySpans.some((span) => span.kind === 'CLIENT' && span.name.includes('CreateUser'))).toBe(
      true,
    );
    // The users span hangs under a gateway span.
    expect(gatewaySpans.map((span) => span.spanId)).toContain(usersSpan.parentSpanId);

    const requestLines = gateway.logs.filter((line) => line.trace_id === usersSpan.traceId);
    expect(requestLines.length).toBeGreaterThan(0);
  });
});
