// Housekeeping: refresh tokens that can never be accepted again are deleted, so the table holds the
// live sessions and not every token ever issued. A token is stale once it expired, or a while after it
// was revoked (kept that long so a reuse is still recognised and logged as one). A used token that has
// not expired is kept: presenting it again is how reuse (a stolen token) is detected.
// The job is bounded: at most `maxBatches` deletes of `batchSize` rows per run, one run per interval,
// and replicas running it at the same time skip each other's rows.
import type { Logger } from '@app/platform';

export interface StaleTokenStore {
  /**
   * Deletes up to `limit` tokens that expired before `expiredBefore` or were revoked before
   * `revokedBefore`; returns how many it deleted.
   */
  deleteStale(expiredBefore: Date, revokedBefore: Date, limit: number): Promise<number>;
}

export interface PurgeOptions {
  /** Rows per delete statement. */
  batchSize?: number;
  /** Delete statements per run; what is left waits for the next run. */
  maxBatches?: number;
  /** How long a revoked token is kept, in ms. */
  revokedRetentionMs?: number;
  now?: () => Date;
}

const HOUR_MS = 60 * 60 * 1000;

export class RefreshTokenPurge {
  private readonly batchSize: number;
  private readonly maxBatches: number;
  private readonly revokedRetentionMs: number;
  private readonly now: () => Date;

  constructor(
    private readonly store: StaleTokenStore,
    options: PurgeOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 1_000;
    this.maxBatches = options.maxBatches ?? 20;
    this.revokedRetentionMs = options.revokedRetentionMs ?? 24 * HOUR_MS;
    this.now = options.now ?? (() => new Date());
  }

  /** One bounded run; returns how many tokens it deleted. */
  async runOnce(): Promise<number> {
    const now = this.now();
    const revokedBefore = new Date(now.getTime() - this.revokedRetentionMs);
    let deleted = 0;
    for (let batch = 0; batch < this.maxBatches; batch++) {
      const count = await this.store.deleteStale(now, revokedBefore, this.batchSize);
      deleted += count;
      if (count < this.batchSize) break;
    }
    return deleted;
  }
}

export interface ScheduledPurge {
  /** Stops the schedule and waits for a run in progress. */
  stop(): Promise<void>;
}

/** Runs the purge every `intervalMs` (the first run after one interval); failures are logged, never thrown. */
export function schedulePurge(purge: RefreshTokenPurge, intervalMs: number, logger: Logger): ScheduledPurge {
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const tick = () => {
    running = purge
      .runOnce()
      .then(
        (deleted) => logger[deleted > 0 ? 'info' : 'debug']({ deleted }, 'purged stale refresh tokens'),
        (error: unknown) => logger.warn({ err: error }, 'refresh token purge failed; retrying next interval'),
      )
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, intervalMs).unref();
      });
  };
  timer = setTimeout(tick, intervalMs).unref();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
