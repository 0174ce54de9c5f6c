// OpenTelemetry for every Node process of the platform, configured only by the standard OTEL_*
// variables. Start it before the application's modules are loaded, so that http, undici and pg are
// instrumented: `node --import @app/platform/telemetry/register <main>` (see ./telemetry/register.ts).
//
// - OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or OTEL_EXPORTER_OTLP_ENDPOINT set: spans are exported with
//   OTLP over HTTP/protobuf through the batch span processor (OTEL_BSP_* tune it); OTEL_SERVICE_NAME,
//   OTEL_RESOURCE_ATTRIBUTES, OTEL_TRACES_SAMPLER(_ARG), OTEL_PROPAGATORS apply.
// - No endpoint (or OTEL_TRACES_EXPORTER=none): no exporter, no instrumentation, no network; only the
//   W3C trace context is carried through gRPC calls, so log lines keep an incoming trace id.
// - OTEL_SDK_DISABLED=true: nothing at all.
// The SDK is imported only when it is used, so importing this module (for fastifyOtel) costs nothing.
import {
  context,
  diag,
  DiagLogLevel,
  isSpanContextValid,
  propagation,
  trace,
  type DiagLogger,
} from '@opentelemetry/api';
import type { FastifyOtelInstrumentation } from '@fastify/otel';
import {
  diagLogLevelFromString,
  ExportResultCode,
  getRPCMetadata,
  parseKeyPairsIntoRecord,
  RPCType,
} from '@opentelemetry/core';
import type { NodeSDKConfiguration } from '@opentelemetry/sdk-node';
import { createLogger, type Logger } from './logger.js';
import { currentTelemetry, setCurrentTelemetry, type TelemetryHandle } from './telemetry/state.js';

export { currentTelemetry, shutdownTelemetry, type TelemetryHandle } from './telemetry/state.js';

export type TelemetryMode = 'disabled' | 'propagate' | 'export';

/** What the OTEL_* variables ask for (see the top of this file). */
export function telemetryMode(env: NodeJS.ProcessEnv = process.env): TelemetryMode {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return 'disabled';
  const exporters = (env.OTEL_TRACES_EXPORTER ?? '').split(',').map((name) => name.trim());
  if (exporters.includes('none')) return 'propagate';
  return tracesEndpoint(env) ? 'export' : 'propagate';
}

/** The URL spans are posted to, as the OTLP exporter derives it from the environment. */
export function tracesEndpoint(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const signal = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  if (signal) return signal;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  return base ? `${base.replace(/\/+$/, '')}/v1/traces` : undefined;
}

export interface StartTelemetryOptions {
  /** service.name when neither OTEL_SERVICE_NAME nor OTEL_RESOURCE_ATTRIBUTES names the service. */
  defaultServiceName?: string;
}

/**
 * Starts telemetry once per process (later calls return the running one). Prefer the register
 * entry, which also installs the ESM hook; call this directly only where that is impossible.
 */
export async function startTelemetry(
  options: StartTelemetryOptions = {},
): Promise<TelemetryHandle | undefined> {
  const running = currentTelemetry();
  if (running) return running;
  const mode = telemetryMode();
  if (mode === 'disabled') return undefined;

  const serviceName = configuredServiceName() === undefined ? options.defaultServiceName : undefined;
  const logger = createLogger(configuredServiceName() ?? serviceName ?? 'telemetry').child({
    component: 'telemetry',
  });
  setDiagLogger(logger);
  const handle = mode === 'export' ? await startExporting(logger, serviceName) : await startPropagating();
  setCurrentTelemetry(handle);
  return handle;
}

/** The SDK with the OTLP exporter and the instrumentations of http, undici (fetch), pg and Fastify. */
async function startExporting(logger: Logger, serviceName: string | undefined): Promise<TelemetryHandle> {
  const [
    { NodeSDK },
    { OTLPTraceExporter },
    { HttpInstrumentation },
    { UndiciInstrumentation },
    { PgInstrumentation },
    { FastifyOtelInstrumentation },
  ] = await Promise.all([
    import('@opentelemetry/sdk-node'),
    import('@opentelemetry/exporter-trace-otlp-proto'),
    import('@opentelemetry/instrumentation-http'),
    import('@opentelemetry/instrumentation-undici'),
    import('@opentelemetry/instrumentation-pg'),
    import('@fastify/otel'),
  ]);
  const protocol = (
    process.env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? process.env.OTEL_EXPORTER_OTLP_PROTOCOL
  )?.trim();
  if (protocol && protocol !== 'http/protobuf') {
    logger.warn({ protocol }, 'only the http/protobuf OTLP protocol is supported; using it');
  }
  // A span per request and one for its handler; none per hook: a gateway request runs a dozen hooks
  // (auth, rate limit, helmet, draining, …), and a span each cost more than the rest of the tracing.
  const fastify = new FastifyOtelInstrumentation({ instrumentHooks: false });
  const sdk = new NodeSDK({
    ...(serviceName ? { serviceName } : {}),
    traceExporter: new WarnOnceExporter(new OTLPTraceExporter(), logger, tracesEndpoint()!),
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation(),
      new UndiciInstrumentation(),
      // Queries outside any request (migrations at start, pool housekeeping) would each be a trace.
      new PgInstrumentation({
        requireParentSpan: true,
        // MikroORM sends queries with their values inlined: without this, emails, password hashes and
        // token hashes would reach the tracing backend (semconv: redact the literals of db.query.text).
        requestHook: (span, { query }) => span.setAttribute('db.query.text', redactSqlLiterals(query.text)),
      }),
      fastify,
    ],
  });
  setDiagLogger(logger); // the SDK sets its own when OTEL_LOG_LEVEL is set
  sdk.start();
  return { exporting: true, shutdown: () => sdk.shutdown(), fastifyPlugin: fastify.plugin() };
}

/**
 * No spans: only a context manager and the W3C propagators, so the gRPC middleware carries a trace
 * started upstream through this process (and log lines show its id). No instrumentation is loaded.
 */
async function startPropagating(): Promise<TelemetryHandle> {
  const [
    { AsyncLocalStorageContextManager },
    { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator },
  ] = await Promise.all([import('@opentelemetry/context-async-hooks'), import('@opentelemetry/core')]);
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(
    new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  );
  return {
    exporting: false,
    async shutdown() {
      propagation.disable();
      context.disable();
    },
  };
}

/** The query with every literal value (strings, numbers) replaced by `?`; identifiers are kept. */
export function redactSqlLiterals(sql: string): string {
  return sql
    .replace(/\$(\w*)\$[\s\S]*?\$\1\$/g, '?') // dollar-quoted strings
    .replace(/\b[eE]'(?:[^'\\]|\\.|'')*'/g, '?') // E'...' with backslash escapes
    .replace(/'(?:[^']|'')*'/g, '?')
    .replace(/(?<![\w$."])-?\b\d+(?:\.\d+)?(?:e[+-]?\d+)?\b/gi, '?');
}

export type FastifyOtelPlugin = ReturnType<FastifyOtelInstrumentation['plugin']>;

const noopFastifyPlugin = Object.assign(
  (_instance: unknown, _options: unknown, done: (error?: Error) => void) => done(),
  { [Symbol.for('skip-override')]: true, [Symbol.for('fastify.display-name')]: '@fastify/otel' },
) as unknown as FastifyOtelPlugin;

/**
 * The Fastify plugin of @fastify/otel, bound to this process's SDK: one span per request named after
 * its route (`http.route`), plus one for its handler (no span per hook). Register it before the routes:
 * `await app.register(fastifyOtel())`. A no-op when spans are not exported.
 */
export function fastifyOtel(): FastifyOtelPlugin {
  return (currentTelemetry()?.fastifyPlugin as FastifyOtelPlugin | undefined) ?? noopFastifyPlugin;
}

/**
 * Names the route of the incoming HTTP request, for servers the HTTP instrumentation cannot see into
 * (SvelteKit): `http.route` on the server span, and the span's name becomes `<method> <route>`.
 * A no-op when spans are not recorded.
 */
export function setHttpRoute(method: string, route: string): void {
  const metadata = getRPCMetadata(context.active());
  if (metadata?.type !== RPCType.HTTP) return;
  metadata.route = route;
  metadata.span.updateName(`${method} ${route}`);
}

/** The trace id of the active span, e.g. for an `x-trace-id` response header. */
export function currentTraceId(): string | undefined {
  const context = trace.getActiveSpan()?.spanContext();
  return context && isSpanContextValid(context) ? context.traceId : undefined;
}

/** OTEL_SERVICE_NAME, else `service.name` in OTEL_RESOURCE_ATTRIBUTES (parsed as the SDK does). */
export function configuredServiceName(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const name = env.OTEL_SERVICE_NAME?.trim();
  if (name) return name;
  return parseKeyPairsIntoRecord(env.OTEL_RESOURCE_ATTRIBUTES)['service.name']?.trim() || undefined;
}

/** OTEL_LOG_LEVEL as the SDK reads it (an unknown value is INFO); WARN when it is not set. */
export function diagLogLevel(env: NodeJS.ProcessEnv = process.env): DiagLogLevel {
  return diagLogLevelFromString(env.OTEL_LOG_LEVEL?.trim() || undefined) ?? DiagLogLevel.WARN;
}

type SpanExporter = NonNullable<NodeSDKConfiguration['traceExporter']>;
type ExportResult = Parameters<Parameters<SpanExporter['export']>[1]>[0];

/**
 * Reports an unreachable or failing collector once (and once more when it answers again) instead of
 * once per batch. The spans of a failed batch are dropped either way; the app keeps serving.
 */
export class WarnOnceExporter implements SpanExporter {
  #failing = false;

  constructor(
    private readonly inner: SpanExporter,
    private readonly logger: Logger,
    private readonly endpoint: string,
  ) {}

  export(spans: Parameters<SpanExporter['export']>[0], done: (result: ExportResult) => void): void {
    this.inner.export(spans, (result) => {
      if (result.code === ExportResultCode.SUCCESS) {
        if (this.#failing) this.logger.info({ endpoint: this.endpoint }, 'trace export works again');
        this.#failing = false;
        return done(result);
      }
      if (!this.#failing) {
        this.logger.warn(
          { endpoint: this.endpoint, reason: result.error?.message },
          'cannot export traces; spans are dropped until the endpoint answers (reported once)',
        );
      }
      this.#failing = true;
      // Already reported: a failure here would make the SDK log every failed batch again.
      done({ code: ExportResultCode.SUCCESS });
    });
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }
}

/** The SDK's own diagnostics, as JSON log lines; each distinct message is logged once. */
function setDiagLogger(logger: Logger): void {
  const seen = new Set<string>();
  const once =
    (level: 'warn' | 'info' | 'debug') =>
    (message: string, ...args: unknown[]) => {
      const key = message.replace(/[\da-f]{8,}|\d+/gi, '#'); // ids and counts vary between repeats
      if (seen.has(key) || seen.size >= 1_000) return;
      seen.add(key);
      logger[level]({ details: args.length > 0 ? args.map(describe) : undefined }, message);
    };
  const diagLogger: DiagLogger = {
    error: once('warn'),
    warn: once('warn'),
    info: once('info'),
    debug: once('debug'),
    verbose: once('debug'),
  };
  diag.setLogger(diagLogger, {
    logLevel: diagLogLevel(),
    suppressOverrideMessage: true,
  });
}

function describe(value: unknown): string {
  if (value instanceof Error) return value.message;
  return typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
}
