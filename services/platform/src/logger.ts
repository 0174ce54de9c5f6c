import { trace, isSpanContextValid } from '@opentelemetry/api';
import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * JSON logs (pino). Every line written while a span is active carries its `trace_id` and `span_id`,
 * so a log line leads to its trace and back. Lines go to stdout without blocking the event loop.
 */
export function createLogger(service: string, level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino(
    {
      name: service,
      level,
      base: { service },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      mixin() {
        const context = trace.getActiveSpan()?.spanContext();
        if (!context || !isSpanContextValid(context)) return {};
        return { trace_id: context.traceId, span_id: context.spanId };
      },
    },
    // Asynchronous writes: a request never waits for stdout; lines written while a write is in
    // flight go out together with the next one. Flushed synchronously when the process exits.
    pino.destination({ dest: 1, sync: false }),
  );
}
