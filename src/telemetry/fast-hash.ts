import { lazy } from '../lazy.js';

const encoder = new TextEncoder();
const NOTHING = new Uint8Array(0);

function toBytes(input: unknown): Uint8Array {
  try {
    if (input instanceof Uint8Array) return input;
  } catch {
    // A Proxy whose prototype trap throws: refused below.
  }
  return refuse(input);
}

/** Loaded only on a refusal: onload re-exports this module and must stay cheap to import. */
function refuse(input: unknown): Uint8Array {
  try {
    const { processAggregator } = lazy.aggregator();
    const { RefusedMetric } = lazy.metricNames();
    const { safeDescribe, tellRefusal } = lazy.refusals();
    processAggregator.count(RefusedMetric.invalid, 1);
    tellRefusal('fastHash', input, `expected a string or a Uint8Array, got ${safeDescribe(input)}`);
  } catch {
    // Refused either way.
  }
  return NOTHING;
}

/**
 * FNV-1a, 32-bit, as 8 lowercase hex digits: a cheap, stable fingerprint for grouping values
 * (user agents, query shapes) without sending them. Strings are hashed as their UTF-8 bytes.
 *
 * @example
 * fastHash('foobar'); // 'bf9cf968'
 * appendUnique('client_hello', fastHash(rawHello));
 */
export function fastHash(input: string | Uint8Array): string {
  // Any other input (`fastHash(process.env.UNSET)`) is refused, not thrown: counted in
  // `hmetrics.dropped.invalid`, told once in verbose mode, and hashed as no bytes at all.
  const bytes = typeof input === 'string' ? encoder.encode(input) : toBytes(input);
  let hash = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    hash ^= bytes[i]!;
    // hash * 16777619 (the FNV prime) modulo 2^32, without leaving 32-bit integer arithmetic.
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, '0');
}
