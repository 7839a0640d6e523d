import { debug } from '../debug.js';
import { shared } from '../global-state.js';
import { listen, RECEIVER_DEFAULTS, type StatsdReceiver } from './receiver.js';

/** Where `HMETRICS_STATSD_LISTEN` says to bind. */
export interface ListenAddress {
  readonly host: string;
  readonly port: number;
}

/**
 * Parses `[host:]port`: `8125`, `0.0.0.0:8125`, `[::1]:8125` (or `::1:8125`, split at the last
 * colon). The host defaults to 127.0.0.1. Returns undefined for anything else.
 */
export function parseListenAddress(text: string): ListenAddress | undefined {
  const value = text.trim();
  let host: string = RECEIVER_DEFAULTS.host;
  let portText = value;
  if (value.startsWith('[')) {
    const close = value.indexOf(']:');
    if (close < 0) return undefined;
    host = value.slice(1, close);
    portText = value.slice(close + 2);
  } else if (value.includes(':')) {
    const colon = value.lastIndexOf(':');
    host = value.slice(0, colon);
    portText = value.slice(colon + 1);
  }
  if (host.length === 0 || !/^\d{1,5}$/.test(portText)) return undefined;
  const port = Number(portText);
  return port <= 65535 ? { host, port } : undefined;
}

type Holder = { running?: Promise<StatsdReceiver | undefined> };
/** The receiver onload started, process-wide (every copy of the package sees the same one). */
const holder = (): Holder => shared<Holder>('statsd.receiver', () => ({}));

/**
 * Starts the statsd receiver when `HMETRICS_STATSD_LISTEN=[host:]port` is set, once per process
 * (across copies of the package). `HMETRICS_STATSD_MAX_SERIES` overrides its series cap.
 * Counter rate gauges are left out when every report endpoint is `udp:` (a pure forwarder: the
 * upstream server computes rates). Never throws; problems go to the debug log.
 */
export function startStatsdFromEnv(env: NodeJS.ProcessEnv): void {
  try {
    const raw = env['HMETRICS_STATSD_LISTEN'];
    if (raw === undefined || raw.trim() === '') return;
    if (holder().running !== undefined) return;
    const address = parseListenAddress(raw);
    if (address === undefined) {
      debug(`statsd receiver not started: HMETRICS_STATSD_LISTEN must be [host:]port, got ${JSON.stringify(raw.slice(0, 100))}`);
      return;
    }
    const maxSeriesText = env['HMETRICS_STATSD_MAX_SERIES']?.trim();
    const maxSeries = maxSeriesText ? Number(maxSeriesText) : RECEIVER_DEFAULTS.maxSeries;
    if (!Number.isSafeInteger(maxSeries) || maxSeries <= 0) {
      debug(`statsd receiver not started: HMETRICS_STATSD_MAX_SERIES must be a positive integer, got ${JSON.stringify(maxSeriesText)}`);
      return;
    }
    const endpoints = ((env['HMETRICS_URL'] ?? '').trim() || (env['HEROKU_METRICS_URL'] ?? '').trim()).split(/\s+/).filter(Boolean);
    const forwarderOnly = endpoints.length > 0 && endpoints.every((e) => e.toLowerCase().startsWith('udp:'));
    holder().running = listen({ ...address, maxSeries, counterRates: !forwarderOnly }).then(
      (receiver) => {
        const bound = receiver.address();
        debug(`statsd receiver listening on ${bound ? `${bound.address}:${bound.port}` : raw}`);
        return receiver;
      },
      (err: unknown) => {
        debug(`statsd receiver not started: ${(err as Error).message}`);
        return undefined;
      },
    );
  } catch (err) {
    debug(`statsd receiver not started: ${(err as Error).message}`);
  }
}

/** The receiver `onload` started, once it is bound (undefined when none runs). */
export function envStatsdReceiver(): Promise<StatsdReceiver | undefined> {
  return holder().running ?? Promise.resolve(undefined);
}
