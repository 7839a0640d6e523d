import { InvalidOption } from '../util/errors.js';
import { processAggregator, type Aggregator } from '../metrics/aggregator.js';
import { checkInteger, describeValue } from '../util/check.js';
import { unbracketHost } from '../util/ipv6.js';
import { LINE_LIMITS, MAX_LINE_LIMIT } from './parse.js';

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
  /**
   * Longest metric name (and set member) accepted, UTF-8 bytes, at most 8192; a longer line is
   * rejected before it is hashed or stored and counted in `hmetrics.statsd.bad_lines`.
   * @default 256
   */
  readonly maxNameBytes?: number;
  /**
   * Longest tag list accepted (everything after `|#`, commas included), UTF-8 bytes, at most 8192;
   * a longer line (or one with more than 64 tags) is rejected and counted in `hmetrics.statsd.bad_lines`.
   * @default 512
   */
  readonly maxTagBytes?: number;
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
  maxNameBytes: LINE_LIMITS.maxNameBytes,
  maxTagBytes: LINE_LIMITS.maxTagBytes,
  receiveBufferSize: 4 * 1024 * 1024,
} as const;

/** Options with every default filled in. */
export type ResolvedListenOptions = Required<Omit<StatsdListenOptions, 'now'>> & { now: () => number };

/** Checks `listen()` options once, early; throws `InvalidOption`. */
export function validateListenOptions(options: StatsdListenOptions): ResolvedListenOptions {
  const port = checkInteger('port', options.port ?? RECEIVER_DEFAULTS.port, { min: 0, max: 65535 });
  const host = options.host ?? RECEIVER_DEFAULTS.host;
  if (typeof host !== 'string' || host.length === 0) throw new InvalidOption(`Expected \`host\` to be a non-empty string, got ${describeValue(host)}`);
  return {
    port,
    host: unbracketHost(host),
    aggregator: options.aggregator ?? processAggregator,
    maxSeries: checkInteger('maxSeries', options.maxSeries ?? RECEIVER_DEFAULTS.maxSeries),
    counterRates: options.counterRates ?? RECEIVER_DEFAULTS.counterRates,
    maxNameBytes: checkInteger('maxNameBytes', options.maxNameBytes ?? RECEIVER_DEFAULTS.maxNameBytes, { min: 1, max: MAX_LINE_LIMIT }),
    maxTagBytes: checkInteger('maxTagBytes', options.maxTagBytes ?? RECEIVER_DEFAULTS.maxTagBytes, { min: 1, max: MAX_LINE_LIMIT }),
    receiveBufferSize: checkInteger('receiveBufferSize', options.receiveBufferSize ?? RECEIVER_DEFAULTS.receiveBufferSize),
    now: options.now ?? Date.now,
  };
}
