import { InvalidOption } from '../errors.js';
import { processAggregator, type Aggregator } from '../metrics/aggregator.js';

/** Options of `listen()`. */
export interface StatsdListenOptions {
  /** UDP port; 0 picks a free one (read it back from `address()`). @default 8125 */
  readonly port?: number;
  /** Address to bind; an IPv6 address (`::1`, `::`) makes an IPv6 socket. @default '127.0.0.1' */
  readonly host?: string;
  /** Where received metrics go. @default the process-wide aggregator the running report drains */
  readonly aggregator?: Aggregator;
  /**
   * Distinct series (name + kind + tags) the receiver feeds per interval; lines of further
   * series are dropped and counted in `hmetrics.statsd.dropped.series`. Keeps a flood of names
   * from crowding out everything else in the shared aggregator (itself capped by its `maxSeries`).
   * @default 10000
   */
  readonly maxSeries?: number;
  /**
   * Also record, for each received counter, the gauge `<name>.rate`: its per-second rate over
   * the interval (gostatsd's counter rate). Turn off when only forwarding to a statsd server,
   * which computes rates itself.
   * @default true
   */
  readonly counterRates?: boolean;
  /** Kernel receive buffer, bytes (the kernel may cap it): room for bursts. @default 4194304 */
  readonly receiveBufferSize?: number;
  /** Clock, epoch ms (for counter rates). @default Date.now */
  readonly now?: () => number;
}

export const RECEIVER_DEFAULTS = {
  port: 8125,
  host: '127.0.0.1',
  maxSeries: 10_000,
  counterRates: true,
  receiveBufferSize: 4 * 1024 * 1024,
} as const;

/** Options with every default filled in. */
export type ResolvedListenOptions = Required<Omit<StatsdListenOptions, 'now'>> & { now: () => number };

/** Checks `listen()` options once, early; throws `InvalidOption`. */
export function validateListenOptions(options: StatsdListenOptions): ResolvedListenOptions {
  const port = options.port ?? RECEIVER_DEFAULTS.port;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidOption(`Expected \`port\` to be an integer from 0 to 65535, got ${String(port)}`);
  }
  const host = options.host ?? RECEIVER_DEFAULTS.host;
  if (typeof host !== 'string' || host.length === 0) throw new InvalidOption(`Expected \`host\` to be a non-empty string, got ${String(host)}`);
  const maxSeries = options.maxSeries ?? RECEIVER_DEFAULTS.maxSeries;
  if (!Number.isSafeInteger(maxSeries) || maxSeries <= 0) throw new InvalidOption(`Expected \`maxSeries\` to be a positive integer, got ${String(maxSeries)}`);
  const receiveBufferSize = options.receiveBufferSize ?? RECEIVER_DEFAULTS.receiveBufferSize;
  if (!Number.isSafeInteger(receiveBufferSize) || receiveBufferSize <= 0) {
    throw new InvalidOption(`Expected \`receiveBufferSize\` to be a positive integer, got ${String(receiveBufferSize)}`);
  }
  return {
    port,
    host: host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host,
    aggregator: options.aggregator ?? processAggregator,
    maxSeries,
    counterRates: options.counterRates ?? RECEIVER_DEFAULTS.counterRates,
    receiveBufferSize,
    now: options.now ?? Date.now,
  };
}

