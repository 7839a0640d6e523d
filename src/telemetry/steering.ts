/**
 * The telemetry server steers the client through its answer:
 * `{"next_update": ns, "stop": bool, "error": string, "disable_keys": [], "enable_keys": []}`.
 * Everything here is pure, so the rules are tested without a server.
 */
import { POLICIES } from '../delivery/backoff.js';
import { retryWait } from '../delivery/retry.js';

/** Cadence limits, in ms. */
export const CADENCE = {
  /** Shortest wait a server may ask for. */
  minimum: 1_000,
  /** Wait when the server gives none (or an invalid one). */
  fallback: 3_600_000,
  /** Up to this much is added to the fallback, so a fleet restarted together spreads out. */
  jitter: 60_000,
  /** Longest wait one timer can hold (setTimeout's limit, ~24.8 days). */
  maximum: 2_147_483_647,
} as const;

/** What one answer asks for. Absent fields are undefined / empty. */
export interface Steering {
  /** Next emission after this many ms (already floored and capped). */
  readonly nextUpdate: number | undefined;
  readonly stop: boolean;
  readonly error: string | undefined;
  readonly enableKeys: readonly string[];
  readonly disableKeys: readonly string[];
}

export const NO_STEERING: Steering = { nextUpdate: undefined, stop: false, error: undefined, enableKeys: [], disableKeys: [] };

/** Parses an answer body; an empty body steers nothing; anything but a JSON object is refused. */
export function parseSteering(body: string): { ok: true; steering: Steering } | { ok: false; reason: string } {
  if (body.trim() === '') return { ok: true, steering: NO_STEERING };
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { ok: false, reason: Buffer.byteLength(body) >= 65_536 ? 'body over 64 KB' : 'body is not JSON' };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { ok: false, reason: 'body is not a JSON object' };
  const reply = parsed as Record<string, unknown>;
  return {
    ok: true,
    steering: {
      nextUpdate: nanosToDelay(reply['next_update']),
      stop: reply['stop'] === true,
      error: typeof reply['error'] === 'string' && reply['error'] !== '' ? reply['error'] : undefined,
      enableKeys: strings(reply['enable_keys']),
      disableKeys: strings(reply['disable_keys']),
    },
  };
}

/** `next_update` is a Go duration: nanoseconds. Positive finite numbers only; floored at 1 s. */
export function nanosToDelay(value: unknown): number | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) return undefined;
  return clampDelay(value / 1e6);
}

/**
 * The wait a 429's `Retry-After` asks for, by the delivery policy (src/delivery): whole seconds
 * or an HTTP date, at least 1 s; 0, a past date or an invalid value wait the 1 s minimum.
 * Undefined when the header is absent (then `next_update` or the fallback decides).
 */
export function retryAfterToDelay(header: string | string[] | undefined, now: number): number | undefined {
  if (header === undefined) return undefined;
  return retryWait(POLICIES.telemetry, header, 1, now, CADENCE.maximum).ms;
}

/** The wait when the server named none: 1 h plus up to 1 min of jitter. */
export function fallbackDelay(random: () => number = Math.random): number {
  return CADENCE.fallback + Math.floor(random() * CADENCE.jitter);
}

function clampDelay(ms: number): number {
  return Math.min(CADENCE.maximum, Math.max(CADENCE.minimum, Math.round(ms)));
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}
