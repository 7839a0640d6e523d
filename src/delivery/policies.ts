import type { DeliveryPolicy } from './policy.js';

/**
 * Every area's delivery policy, as data (docs/delivery.md has the table). CSM events are UDP
 * datagrams, sent once (a full queue drops and counts): its one wait is before reopening a
 * socket that failed to open.
 */
export const POLICIES = {
  /**
   * onload's supervisor restarting a crashed report loop: 10 s linear steps capped at 5 min,
   * as Heroku's Go `hmetrics` does (reset after a run of 5 min, see supervisor.ts).
   */
  supervisor: { backoff: { kind: 'linear', step: 10_000, max: 300_000 }, minimumWait: 10_000, maximumWait: 300_000 },
  /**
   * OTLP/HTTP retries of 429/502/503/504 within one delivery: exponential from 1 s, ×2, ±20 %
   * jitter (the OTLP spec's advice), and never sooner than 1 s whatever `Retry-After` says.
   * A network error is not retried within the delivery: the next interval retries it.
   */
  otlp: { backoff: { kind: 'exponential', first: 1_000, factor: 2, jitter: 0.2, max: 60_000 }, minimumWait: 1_000, maximumWait: 600_000 },
  /**
   * The telemetry emitter: 4 attempts per emission, 8, 27 and 64 s apart ((n+1)³ s, as Caddy
   * waits); a 429 waits `Retry-After`, at least 1 s, at most what one timer holds.
   */
  telemetry: { backoff: { kind: 'schedule', waits: [8_000, 27_000, 64_000] }, minimumWait: 1_000, maximumWait: 2_147_483_647 },
  /** CSM: a UDP socket that failed to open (name resolution, say) is tried again 10 s later; events meanwhile are dropped and counted. */
  csm: { backoff: { kind: 'schedule', waits: [10_000] }, minimumWait: 10_000, maximumWait: 10_000 },
} as const satisfies Record<string, DeliveryPolicy>;
