// The running telemetry of this process, kept on globalThis: the register entry (loaded with
// `node --import`) and the application may load the platform through different module instances
// (tsx, vitest), and they must still share one SDK. No OpenTelemetry imports here, so the process
// runner can flush telemetry without loading the SDK.

export interface TelemetryHandle {
  /** True when spans are exported (an OTLP endpoint is configured). */
  exporting: boolean;
  /** Flushes the spans not yet exported and stops the SDK. */
  shutdown(): Promise<void>;
  /** The @fastify/otel plugin of this process, when spans are exported. */
  fastifyPlugin?: unknown;
}

const KEY = Symbol.for('@app/platform/telemetry');
type Holder = { [KEY]?: TelemetryHandle };

export function currentTelemetry(): TelemetryHandle | undefined {
  return (globalThis as Holder)[KEY];
}

export function setCurrentTelemetry(handle: TelemetryHandle | undefined): void {
  (globalThis as Holder)[KEY] = handle;
}

/**
 * Exports the spans still buffered and stops the SDK (at most `timeoutMs`, so an unreachable
 * collector cannot hold up the exit). Safe to call when telemetry never started, and more than once.
 */
export async function shutdownTelemetry(timeoutMs = 5_000): Promise<void> {
  const handle = currentTelemetry();
  if (!handle) return;
  setCurrentTelemetry(undefined);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
    timer.unref();
  });
  try {
    await Promise.race([handle.shutdown().catch(() => undefined), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
