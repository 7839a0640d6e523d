import { debug, debugging } from '../util/debug.js';

/** Distinct refusals told in verbose mode; past it they are still counted, no longer told. */
const MAX_TOLD = 1_000;
const told = new Set<string>();

/**
 * Tells, in verbose mode, why a recording call was refused: once per operation and key, so a
 * hot loop recording a bad value costs one line, not one per call. Never throws.
 */
export function tellRefusal(operation: string, key: unknown, reason: string): void {
  if (!debugging()) return;
  const name = safeDescribe(key);
  tellOnce(`${operation}\u0000${name}`, `${operation}(${name}, …) refused: ${reason}`);
}

/** Writes `message` to the debug log the first time `id` is seen (bounded: `MAX_TOLD` ids). */
export function tellOnce(id: string, message: string): void {
  if (!debugging() || told.size >= MAX_TOLD || told.has(id)) return;
  told.add(id);
  debug(`${message}${told.size === MAX_TOLD ? ' (further refusals are counted in hmetrics.dropped.*, not told)' : ''}`);
}

/**
 * A short description of any value that never calls its `toString`/getters (a Proxy, a
 * throwing `toString`, a symbol, a revoked object: all describe without throwing).
 */
export function safeDescribe(value: unknown): string {
  try {
    if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
    if (typeof value === 'number' || typeof value === 'boolean' || value === undefined || value === null) return String(value);
    if (typeof value === 'bigint') return `${value}n`;
    if (typeof value === 'symbol') return 'a symbol';
    if (typeof value === 'function') return 'a function';
    return Array.isArray(value) ? 'an array' : 'an object';
  } catch {
    return 'an object';
  }
}

/** Tests only: every refusal is told again. */
export function resetToldRefusals(): void {
  told.clear();
}
