import { InvalidOption } from '../util/errors.js';
import { describeValue } from '../util/check.js';
import { MAX_DURATION } from './duration.js';

/** Bounds of one duration, ms (inclusive). */
export interface DurationBounds {
  /** @default 1 */
  readonly min?: number;
  /** @default MAX_DURATION */
  readonly max?: number;
}

/**
 * The one check of a duration option (`interval`, `timeout`, `flushTimeout` …): `value` if it
 * is an integer number of ms within `bounds` (never above `MAX_DURATION`), else `InvalidOption`
 * with a message such as ``Expected `interval` to be a positive integer of ms up to 2147483647 (the longest delay a Node timer holds), got 2147483648``.
 */
export function checkDuration(name: string, value: unknown, bounds: DurationBounds = {}): number {
  const min = bounds.min ?? 1;
  const max = Math.min(bounds.max ?? MAX_DURATION, MAX_DURATION);
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max) return value;
  const range = min === 1 ? 'a positive integer of ms' : min === 0 ? 'a non-negative integer of ms' : `an integer of ms from ${min}`;
  const why = max === MAX_DURATION ? ' (the longest delay a Node timer holds)' : '';
  throw new InvalidOption(`Expected \`${name}\` to be ${range} up to ${max}${why}, got ${describeValue(value)}`);
}
