const encoder = new TextEncoder();

/**
 * FNV-1a, 32-bit, as 8 lowercase hex digits: a cheap, stable fingerprint for grouping values
 * (user agents, query shapes) without sending them. Strings are hashed as their UTF-8 bytes.
 *
 * @example
 * fastHash('foobar'); // 'bf9cf968'
 * appendUnique('client_hello', fastHash(rawHello));
 */
export function fastHash(input: string | Uint8Array): string {
  const bytes = typeof input === 'string' ? encoder.encode(input) : input;
  let hash = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    hash ^= bytes[i]!;
    // hash * 16777619 (the FNV prime) modulo 2^32, without leaving 32-bit integer arithmetic.
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, '0');
}
