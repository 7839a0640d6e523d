import { InvalidOption } from './errors.js';

/**
 * A value as an error message shows it: strings quoted, arrays and objects named by kind, so a
 * message never dumps a caller's data (or a secret inside it).
 */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  if (typeof value === 'function') return 'a function';
  return String(value);
}

/** Bounds of an integer option (inclusive). */
export interface IntegerBounds {
  /** @default 1 */
  readonly min?: number;
  /** @default Number.MAX_SAFE_INTEGER */
  readonly max?: number;
}

/**
 * The one argument check of the library: `value` if it is a safe integer within `bounds`, else
 * `InvalidOption` with a message such as ``Expected `interval` to be a positive integer, got 0``.
 */
export function checkInteger(name: string, value: unknown, bounds: IntegerBounds = {}): number {
  const min = bounds.min ?? 1;
  const max = bounds.max ?? Number.MAX_SAFE_INTEGER;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max) return value;
  const wanted =
    max !== Number.MAX_SAFE_INTEGER ? `an integer from ${min} to ${max}`
    : min === 1 ? 'a positive integer'
    : min === 0 ? 'a non-negative integer'
    : `an integer of at least ${min}`;
  throw new InvalidOption(`Expected \`${name}\` to be ${wanted}, got ${describeValue(value)}`);
}
