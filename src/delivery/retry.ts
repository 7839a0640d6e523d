import { backoffDelay, type DeliveryPolicy } from './backoff.js';
import { parseRetryAfter } from './retry-after.js';

// A wait is never 0: an answer that says "retry now" (Retry-After 0, a past date, an invalid
// value) waits the policy's minimum.

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
