/**
 * What every observer of the incoming-HTTP monitor (HTTP/1 channels, HTTP/2 streams, WebSocket
 * upgrades) shares: one recorder per `enableHttpServerMonitor()`, so each request of any
 * protocol lands in the same series, the same route cap and the same in-flight count.
 */
export interface RequestRecorder {
  /** Monotonic clock, ms. */
  readonly now: () => number;
  /** False once the monitor that made this recorder is disabled or replaced: late events are ignored. */
  readonly live: () => boolean;
  /** Whether Fastify's channel has named a route yet (see `routeOf`). */
  readonly fastify: () => boolean;
  /** A request started: it counts in `http.server.active_requests` until `ended()`. */
  readonly started: () => void;
  /** A request that `started()` settled. */
  readonly ended: () => void;
  /**
   * Records one settled request. `status` is the answer's status code or `ABORTED`;
   * `elapsedMs` is `UNTIMED` for a long-lived exchange (a stream, an upgraded connection)
   * that must not read as a slow request; byte counts are -1 when not declared.
   */
  readonly record: (route: string, method: string | undefined, status: number, elapsedMs: number, requestBytes: number, responseBytes: number) => void;
}

/** `elapsedMs` of a request that is counted but not timed. */
export const UNTIMED = -1;

/** Content types of responses meant to stay open (server-sent events): counted, never timed as slow. */
export const STREAMING = 'text/event-stream';
/** A stream that ends sooner than this is timed as any response (it was not slow). */
export const LONG_LIVED_MS = 1_000;

/** A declared `Content-Length` as a number, or -1 when absent or not a length. */
export function declaredLength(value: unknown): number {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : -1;
  if (typeof value !== 'string' || value === '') return -1;
  const n = Number(value);
  return Number.isSafeInteger(n) && n >= 0 ? n : -1;
}
