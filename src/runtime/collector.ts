import type { Aggregator } from '../metrics/aggregator.js';

/** One runtime source (GC, event loop, memory, CPU) behind the smallest interface. */
export interface RuntimeCollector {
  /** Starts observing; counters start from zero at this moment. Idempotent. */
  enable(): void;
  /** Releases observers, histograms and timers. Idempotent. */
  disable(): void;
  /** Writes everything observed since the last collect (or enable) into the aggregator. */
  collect(aggregator: Aggregator): void;
}
