import type { Snapshot } from '../metrics/snapshot.js';
import type { StopSignal } from '../util/stop.js';

/**
 * A wire format behind one small interface. The report loop hands every sink the same
 * snapshot; a sink never mutates it and shares no mutable state with other sinks.
 */
export interface Sink {
  /** The endpoint with credentials removed: safe to print. */
  readonly label: string;
  /**
   * Delivers one snapshot. Resolves when the endpoint accepted it; rejects with a
   * `DeliveryFailed` (or another `HmetricsError`) otherwise. `signal` aborts it early.
   */
  deliver(snapshot: Snapshot, signal: StopSignal): Promise<void>;
  /** Releases sockets and timers. Idempotent. */
  close(): void;
}

/** What every sink factory gets besides its URL. */
export interface SinkOptions {
  /** Per-delivery timeout, ms. */
  readonly timeout: number;
  /** The report interval, ms: caps how long a server's `Retry-After` holds deliveries back. */
  readonly interval?: number;
  /** Percentiles computed for timers in sinks that flatten them. */
  readonly percentiles: readonly number[];
}
