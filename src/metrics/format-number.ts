/**
 * The one rule for writing a metric value as text, shared by the statsd sink and the log sink,
 * so neither prints float noise such as `0.10316699999999912` (the Heroku JSON body carries the
 * numbers as measured: a machine reads it):
 *
 * - integers exactly, in plain digits (`1e21` → `1000000000000000000000`, `2**64` → `18446744073709551616`);
 * - other values of magnitude 1 and above: at most 3 decimals (ms to the µs: `12.346`);
 * - values between -1 and 1: 4 significant digits (`0.1032`, `0.0001235`), at most
 *   {@link MAX_DECIMALS} decimals (below that they read `0`);
 * - `-0` as `0`; trailing zeros dropped; never exponent notation;
 * - NaN and ±Infinity have no text: `undefined`, and callers send nothing for them.
 */
export function formatNumber(value: number): string | undefined {
  if (!Number.isFinite(value)) return undefined;
  if (Number.isInteger(value)) {
    if (value === 0) return '0'; // -0 too
    // String() is exact up to 2^53; past it, it prints the shortest round-trip form
    // (2^64 → "18446744073709552000"), so BigInt writes the double's exact digits.
    return Math.abs(value) <= Number.MAX_SAFE_INTEGER ? String(value) : BigInt(value).toString();
  }
  const magnitude = Math.abs(value);
  const decimals = magnitude >= 1
    ? INTEGER_PART_DECIMALS
    : Math.min(MAX_DECIMALS, SIGNIFICANT_DIGITS - 1 - Math.floor(Math.log10(magnitude)));
  // toFixed rounds the double's exact binary value, so the text never carries noise digits.
  const text = trimZeros(value.toFixed(decimals));
  return text === '-0' ? '0' : text;
}

/** The number whose shortest text is `formatNumber(value)`; NaN for non-finite input. */
export function roundNumber(value: number): number {
  const text = formatNumber(value);
  return text === undefined ? Number.NaN : Number(text);
}

/** Significant digits kept for values between -1 and 1 (fractions, sub-millisecond times). */
export const SIGNIFICANT_DIGITS = 4;
/** Decimals kept for non-integers of magnitude 1 and above (ms to the microsecond). */
export const INTEGER_PART_DECIMALS = 3;
/** The finest decimal written: 1e-9 (a nanosecond in seconds); smaller magnitudes read 0. */
export const MAX_DECIMALS = 9;

function trimZeros(fixed: string): string {
  if (!fixed.includes('.')) return fixed;
  let end = fixed.length;
  while (fixed.charCodeAt(end - 1) === 48 /* 0 */) end--;
  if (fixed.charCodeAt(end - 1) === 46 /* . */) end--;
  return fixed.slice(0, end);
}
