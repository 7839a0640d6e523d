import { POLICIES } from '../delivery/backoff.js';

/**
 * The emitter's defaults, apart from the emitter itself: the buffer API validates options with
 * them while the emitter (and its HTTP client) loads only when emission starts.
 */
export const EMITTER_DEFAULTS = {
  timeout: 10_000,
  finalTimeout: 2_000,
  initialDelay: 0,
  /** Attempts per emission, and the waits between them (ms): (n+1)³ s, as Caddy waits. */
  attempts: 4,
  retryWaits: POLICIES.telemetry.backoff.waits,
  /** Bytes of answer read; the rest is drained unread. */
  maxBody: 65_536,
} as const;
