import { ConfigError, env, loadConfig } from './config.js';
import { exitOnFatalError, type Stop } from './fatal.js';
import { createLogger, type Logger } from './logger.js';
import { telemetryMode } from './telemetry.js';
import { currentTelemetry, shutdownTelemetry } from './telemetry/state.js';

export type { Stop };

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export interface RunOptions {
  /** How long stopping may take before the process exits anyway. */
  shutdownTimeoutMs?: number;
}

/**
 * Runs a long-lived process: `start` reads its config, opens what it needs, starts serving and returns
 * how to stop. A configuration error prints which variable is wrong and exits with 1; any other start
 * failure is logged and exits with 1. SIGTERM or SIGINT stops gracefully (a second SIGINT exits at once).
 */
export async function runProcess(
  name: string,
  start: (logger: Logger) => Promise<Stop>,
  options: RunOptions = {},
) {
  let logger: Logger;
  try {
    logger = createLogger(
      name,
      loadConfig({ LOG_LEVEL: env.oneOf(LOG_LEVELS, { default: 'info' }) }).LOG_LEVEL,
    );
  } catch (error) {
    return failAtStart(name, error);
  }

  if (!currentTelemetry() && telemetryMode() === 'export') {
    logger.warn('OTLP endpoint set but telemetry not loaded: add --import @app/platform/telemetry/register');
  }

  let stop: Stop | undefined;
  exitOnFatalError(logger, () => stop?.() ?? Promise.resolve());
  // A signal that arrives while starting (e.g. right after the 'listening' line) is kept, and acted on
  // once start has returned how to stop: without this, Node's default action would kill the process.
  let early: NodeJS.Signals | undefined;
  const keep = (signal: NodeJS.Signals) => (early ??= signal);
  process.on('SIGTERM', keep);
  process.on('SIGINT', keep);
  try {
    stop = await start(logger);
  } catch (error) {
    if (error instanceof ConfigError) return failAtStart(name, error);
    logger.fatal({ err: error }, 'failed to start');
    process.exit(1);
  }

  let stopping = false;
  const onSignal = async (signal: NodeJS.Signals) => {
    if (stopping) {
      // A second Ctrl-C means "now". A repeated SIGTERM does not: a watcher or a process manager may
      // pass one on to us besides the one sent to the whole process group.
      if (signal !== 'SIGINT') return;
      logger.warn({ signal }, 'second interrupt, exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      logger.error('shutdown timed out, exiting');
      process.exit(1);
    }, options.shutdownTimeoutMs ?? 15_000);
    timer.unref();
    try {
      await stop();
      await shutdownTelemetry(); // exports the spans still buffered
      logger.info('stopped');
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'error while shutting down');
      process.exit(1);
    }
  };
  process.on('SIGTERM', (signal) => void onSignal(signal));
  process.on('SIGINT', (signal) => void onSignal(signal));
  process.off('SIGTERM', keep);
  process.off('SIGINT', keep);
  if (early) void onSignal(early);
}

function failAtStart(name: string, error: unknown): never {
  const message = error instanceof ConfigError ? error.message : String(error);
  process.stderr.write(`${name}: ${message}\n`);
  process.exit(1);
}
