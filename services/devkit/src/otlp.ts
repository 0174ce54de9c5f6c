import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { BinaryReader } from '@bufbuild/protobuf/wire';

/** One span as an OTLP receiver got it, flattened for assertions. */
export interface ReceivedSpan {
  traceId: string;
  spanId: string;
  /** Undefined for a root span. */
  parentSpanId: string | undefined;
  name: string;
  kind: SpanKindName;
  /** Nanoseconds since the epoch, e.g. to order siblings by when they started. */
  startTimeUnixNano: bigint;
  attributes: Record<string, AttributeValue>;
  /** The resource's `service.name`. */
  service: string | undefined;
  resource: Record<string, AttributeValue>;
  /** The instrumentation scope (e.g. `@opentelemetry/instrumentation-pg`). */
  scope: string;
  /** 0 unset, 1 ok, 2 error. */
  statusCode: number;
}

export type AttributeValue =
  string | number | boolean | null | AttributeValue[] | { [key: string]: AttributeValue };
export type SpanKindName = 'UNSPECIFIED' | 'INTERNAL' | 'SERVER' | 'CLIENT' | 'PRODUCER' | 'CONSUMER';
const KINDS: SpanKindName[] = ['UNSPECIFIED', 'INTERNAL', 'SERVER', 'CLIENT', 'PRODUCER', 'CONSUMER'];

export interface OtlpReceiver {
  /** http://127.0.0.1:<port>: the value for OTEL_EXPORTER_OTLP_ENDPOINT. */
  endpoint: string;
  /** Every span received so far, in arrival order. */
  spans: ReceivedSpan[];
  /** Export requests received (any path). */
  requests: number;
  /** TCP connections accepted. */
  connections: number;
  /** Resolves with the spans once `predicate` holds for them; rejects after `timeoutMs`. */
  waitFor(predicate: (spans: ReceivedSpan[]) => boolean, timeoutMs?: number): Promise<ReceivedSpan[]>;
  close(): Promise<void>;
}

/**
 * A real OTLP/HTTP trace receiver on 127.0.0.1 and a free port: accepts POST /v1/traces with a
 * protobuf (`application/x-protobuf`, as the platform exports) or JSON body, optionally gzipped.
 */
export async function startOtlpReceiver(options: { port?: number } = {}): Promise<OtlpReceiver> {
  const waiters = new Set<() => void>();
  const receiver = {
    spans: [] as ReceivedSpan[],
    requests: 0,
    connections: 0,
  };
  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    receiver.requests++;
    try {
      if (request.method !== 'POST' || request.url !== '/v1/traces') {
        response.writeHead(404).end();
        return;
      }
      const body = await readBody(request);
      const json = (request.headers['content-type'] ?? '').includes('json');
      receiver.spans.push(
        ...(json ? fromJson(JSON.parse(body.toString('utf8')) as JsonRequest) : fromProtobuf(body)),
      );
      for (const wake of waiters) wake();
      response.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' });
      response.end(json ? '{}' : undefined);
    } catch (error) {
      response.writeHead(400, { 'content-type': 'text/plain' }).end(String(error));
    }
  };
  // handle() answers every error itself (400), so its promise never rejects.
  const server = createServer((request, response) => void handle(request, response));
  server.on('connection', () => receiver.connections++);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return Object.assign(receiver, {
    endpoint: `http://127.0.0.1:${port}`,
    waitFor(predicate: (spans: ReceivedSpan[]) => boolean, timeoutMs = 15_000) {
      return new Promise<ReceivedSpan[]>((resolve, reject) => {
        const check = () => {
          if (!predicate(receiver.spans)) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(receiver.spans);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          const names = receiver.spans.map((span) => `${span.service}: ${span.name}`).join(', ');
          reject(
            new Error(
              `OTLP receiver: condition not met in ${timeoutMs} ms; spans so far: ${names || 'none'}`,
            ),
          );
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const body = Buffer.concat(chunks);
  return request.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body;
}

// --- protobuf: opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest (only what tests need)

/** Calls `field` for each field of a message; fields it does not consume are skipped. */
function eachField(bytes: Uint8Array, field: (no: number, reader: BinaryReader) => boolean): void {
  const reader = new BinaryReader(bytes);
  while (reader.pos < reader.len) {
    const [no, wireType] = reader.tag();
    if (!field(no, reader)) reader.skip(wireType, no);
  }
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

function fromProtobuf(body: Uint8Array): ReceivedSpan[] {
  const spans: ReceivedSpan[] = [];
  eachField(body, (no, reader) => {
    if (no !== 1) return false; // resource_spans
    let resource: Record<string, AttributeValue> = {};
    const scopeSpans: Uint8Array[] = [];
    eachField(reader.bytes(), (no, reader) => {
      if (no === 1)
        resource = attributesOf(reader.bytes(), 1); // Resource.attributes
      else if (no === 2) scopeSpans.push(reader.bytes());
      else return false;
      return true;
    });
    for (const bytes of scopeSpans) {
      let scope = '';
      eachField(bytes, (no, reader) => {
        if (no === 1) eachField(reader.bytes(), (no, r) => no === 1 && ((scope = r.string()), true));
        else if (no === 2) spans.push(spanOf(reader.bytes(), resource, scope));
        else return false;
        return true;
      });
    }
    return true;
  });
  return spans;
}

function spanOf(bytes: Uint8Array, resource: Record<string, AttributeValue>, scope: string): ReceivedSpan {
  const span: ReceivedSpan = {
    traceId: '',
    spanId: '',
    parentSpanId: undefined,
    name: '',
    kind: 'UNSPECIFIED',
    startTimeUnixNano: 0n,
    attributes: {},
    service: typeof resource['service.name'] === 'string' ? resource['service.name'] : undefined,
    resource,
    scope,
    statusCode: 0,
  };
  const attributes: Uint8Array[] = [];
  eachField(bytes, (no, reader) => {
    if (no === 1) span.traceId = hex(reader.bytes());
    else if (no === 2) span.spanId = hex(reader.bytes());
    else if (no === 4) span.parentSpanId = hex(reader.bytes()) || undefined;
    else if (no === 5) span.name = reader.string();
    else if (no === 6) span.kind = KINDS[reader.int32()] ?? 'UNSPECIFIED';
    else if (no === 7) span.startTimeUnixNano = BigInt(reader.fixed64());
    else if (no === 9) attributes.push(reader.bytes());
    else if (no === 15)
      eachField(reader.bytes(), (no, r) => no === 3 && ((span.statusCode = r.int32()), true));
    else return false;
    return true;
  });
  for (const kv of attributes) Object.assign(span.attributes, keyValue(kv));
  return span;
}

/** The repeated KeyValue field `fieldNo` of a message, as an object. */
function attributesOf(bytes: Uint8Array, fieldNo: number): Record<string, AttributeValue> {
  const attributes: Record<string, AttributeValue> = {};
  eachField(
    bytes,
    (no, reader) => no === fieldNo && (Object.assign(attributes, keyValue(reader.bytes())), true),
  );
  return attributes;
}

function keyValue(bytes: Uint8Array): Record<string, AttributeValue> {
  let key = '';
  let value: AttributeValue = null;
  eachField(bytes, (no, reader) => {
    if (no === 1) key = reader.string();
    else if (no === 2) value = anyValue(reader.bytes());
    else return false;
    return true;
  });
  return { [key]: value };
}

function anyValue(bytes: Uint8Array): AttributeValue {
  let value: AttributeValue = null;
  eachField(bytes, (no, reader) => {
    if (no === 1) value = reader.string();
    else if (no === 2) value = reader.bool();
    else if (no === 3) value = Number(reader.int64());
    else if (no === 4) value = reader.double();
    else if (no === 5) {
      const values: AttributeValue[] = [];
      eachField(reader.bytes(), (no, r) => no === 1 && (values.push(anyValue(r.bytes())), true));
      value = values;
    } else if (no === 6) value = attributesOf(reader.bytes(), 1);
    else if (no === 7) value = hex(reader.bytes());
    else return false;
    return true;
  });
  return value;
}

// --- OTLP/JSON (ids are hex strings, enums numbers, int64 may be strings)

interface JsonKeyValue {
  key: string;
  value?: JsonAnyValue;
}
interface JsonAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: number | string;
  doubleValue?: number;
  arrayValue?: { values?: JsonAnyValue[] };
  kvlistValue?: { values?: JsonKeyValue[] };
  bytesValue?: string;
}
interface JsonRequest {
  resourceSpans?: {
    resource?: { attributes?: JsonKeyValue[] };
    scopeSpans?: {
      scope?: { name?: string };
      spans?: {
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        kind?: number;
        startTimeUnixNano?: string | number;
        attributes?: JsonKeyValue[];
        status?: { code?: number };
      }[];
    }[];
  }[];
}

function fromJson(request: JsonRequest): ReceivedSpan[] {
  return (request.resourceSpans ?? []).flatMap((resourceSpans) => {
    const resource = jsonAttributes(resourceSpans.resource?.attributes);
    return (resourceSpans.scopeSpans ?? []).flatMap((scopeSpans) =>
      (scopeSpans.spans ?? []).map((span) => ({
        traceId: span.traceId,
        spanId: span.spanId,
        parentSpanId: span.parentSpanId || undefined,
        name: span.name,
        kind: KINDS[span.kind ?? 0] ?? 'UNSPECIFIED',
        startTimeUnixNano: BigInt(span.startTimeUnixNano ?? 0),
        attributes: jsonAttributes(span.attributes),
        service: typeof resource['service.name'] === 'string' ? resource['service.name'] : undefined,
        resource,
        scope: scopeSpans.scope?.name ?? '',
        statusCode: span.status?.code ?? 0,
      })),
    );
  });
}

function jsonAttributes(list: JsonKeyValue[] | undefined): Record<string, AttributeValue> {
  return Object.fromEntries((list ?? []).map(({ key, value }) => [key, jsonValue(value)]));
}

function jsonValue(value: JsonAnyValue | undefined): AttributeValue {
  if (!value) return null;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.arrayValue) return (value.arrayValue.values ?? []).map(jsonValue);
  if (value.kvlistValue) return jsonAttributes(value.kvlistValue.values);
  if (value.bytesValue !== undefined) return Buffer.from(value.bytesValue, 'base64').toString('hex');
  return null;
}
