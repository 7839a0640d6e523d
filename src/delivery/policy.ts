import { parseRetryAfter } from './retry-after.js';

// One backoff, the areas' policies as data (policies.ts). A wait is never 0: an answer that
// says "retry now" (Retry-After 0, a past date, an invalid value) waits the policy's minimum.

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

/** Where a wait came from, for messages. */
export type WaitSource = 'retry-after' | 'retry-after-invalid' | 'backoff';

/** A wait and why. */
export interface Wait {
  readonly ms: number;
  readonly source: WaitSource;
}

/**
 * The wait before the next attempt after an answer that asks for a retry:
 * - a valid `Retry-After` in the future: that long, at least `minimumWait`, at most
 *   `maximumWait` and `cap` (the interval: the next interval tries again anyway);
 * - `Retry-After` of 0, a past date, or an invalid value: `minimumWait`;
 * - no `Retry-After`: the backoff for `attempt`, within the same bounds.
 * `cap` never brings a wait under `minimumWait`.
 */
export function retryWait(policy: DeliveryPolicy, header: string | readonly string[] | undefined, attempt: number, now: number, cap = Number.POSITIVE_INFINITY, random: () => number = Math.random): Wait {
  const upper = Math.max(policy.minimumWait, Math.min(policy.maximumWait, cap));
  const bound = (ms: number): number => Math.min(upper, Math.max(policy.minimumWait, Math.round(ms)));
  const asked = parseRetryAfter(header, now);
  if (asked === undefined) return { ms: bound(backoffDelay(policy.backoff, attempt, random)), source: 'backoff' };
  if (!asked.valid || asked.ms <= 0) return { ms: policy.minimumWait, source: asked.valid ? 'retry-after' : 'retry-after-invalid' };
  return { ms: bound(asked.ms), source: 'retry-after' };
}
