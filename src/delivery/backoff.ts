// The one backoff, and every area's delivery policy as data (docs/delivery.md has the table).
// Pure, no imports: onload's supervisor loads it at import time. What a `Retry-After` does to a
// wait is retry.ts's.

/** How the wait grows with each failed attempt (1-based). */
export type Backoff =
  /** `step × attempt`, at most `max`: 10, 20, 30 … s. */
  | { readonly kind: 'linear'; readonly step: number; readonly max: number }
  /** `first × factor^(attempt−1)` ± `jitter` (a fraction), at most `max`. */
  | { readonly kind: 'exponential'; readonly first: number; readonly factor: number; readonly jitter: number; readonly max: number }
  /** `waits[attempt−1]`, the last one repeated. */
  | { readonly kind: 'schedule'; readonly waits: readonly number[] };

/** One area's delivery policy, ms. */
export interface DeliveryPolicy {
  readonly backoff: Backoff;
  /** Shortest wait before any retry: what `Retry-After: 0`, a past date or an invalid value gets. */
  readonly minimumWait: number;
  /** Longest wait a `Retry-After` may impose (a hostile header cannot pause us for a day). */
  readonly maximumWait: number;
}

/** The wait before retry number `attempt` (1-based) when the server said nothing. */
export function backoffDelay(backoff: Backoff, attempt: number, random: () => number = Math.random): number {
  const n = Math.max(1, Math.floor(attempt));
  switch (backoff.kind) {
    case 'linear':
      return Math.min(backoff.step * n, backoff.max);
    case 'exponential': {
      const base = Math.min(backoff.first * backoff.factor ** (n - 1), backoff.max);
      return Math.round(base * (1 - backoff.jitter + random() * 2 * backoff.jitter));
    }
    case 'schedule':
      return backoff.waits[Math.min(n, backoff.waits.length) - 1] ?? 0;
  }
}

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
