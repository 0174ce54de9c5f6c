// What a process does on a bug nobody caught: log it, try to stop cleanly for a bounded time, exit 1.
import type { Logger } from './logger.js';
import { shutdownTelemetry } from './telemetry/state.js';

/** Finishes what is in flight (stops accepting, drains); see runProcess. */
export type Stop = () => Promise<void>;

let fatalHandlers = false;

/**
 * An uncaught exception or an unhandled promise rejection is a bug: it is logged (fatal, with the
 * error), then `stop` gets `timeoutMs` to finish what is in flight, and the process exits with 1 (a
 * supervisor restarts it). A second one while stopping exits at once. Installed by runProcess; call
 * it directly in a process that does not use runProcess (the web server).
 */
export function exitOnFatalError(logger: Logger, stop: Stop, timeoutMs = 5_000): void {
  if (fatalHandlers) return;
  fatalHandlers = true;
  let failing = false;
  const fail = (error: unknown, kind: string) => {
    process.exitCode = 1; // even if stopping empties the event loop before it finishes
    logger.fatal({ err: error }, kind);
    if (failing) process.exit(1);
    failing = true;
    setTimeout(() => {
      logger.error('stopping took too long after the error, exiting');
      process.exit(1);
    }, timeoutMs).unref();
    void Promise.resolve()
      .then(stop)
      .then(
        () => shutdownTelemetry(),
        () => undefined,
      )
      .finally(() => process.exit(1));
  };
  process.on('uncaughtException', (error) => fail(error, 'uncaught exception'));
  process.on('unhandledRejection', (reason) => fail(reason, 'unhandled promise rejection'));
}
