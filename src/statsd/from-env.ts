import { readCount } from '../config/count.js';
import { endpointParts } from '../config/endpoint.js';
import { endpointFromEnv } from '../config/read.js';
import { describeBind, parseListenAddress } from '../config/listen-address.js';
import { debug } from '../util/debug.js';
import { shared } from '../util/global-state.js';
import { listen, RECEIVER_DEFAULTS, type StatsdReceiver } from './receiver.js';

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
    // The one listen-address rule (docs/configuration.md); a bare port binds 127.0.0.1.
    const written = parseListenAddress(raw, 'HMETRICS_STATSD_LISTEN');
    const address = { host: written.host ?? RECEIVER_DEFAULTS.host, port: written.port };
    const maxSeriesSetting = readCount('HMETRICS_STATSD_MAX_SERIES', env['HMETRICS_STATSD_MAX_SERIES']);
    if (maxSeriesSetting.error !== undefined) {
      debug(`statsd receiver not started: ${maxSeriesSetting.error}`);
      return;
    }
    const maxSeries = maxSeriesSetting.value ?? RECEIVER_DEFAULTS.maxSeries;
    const endpoints = endpointParts(endpointFromEnv(env).value);
    const forwarderOnly = endpoints.length > 0 && endpoints.every((e) => e.toLowerCase().startsWith('udp:'));
    holder().running = listen({ ...address, maxSeries, counterRates: !forwarderOnly }).then(
      (receiver) => {
        const bound = receiver.address();
        debug(`statsd receiver listening on ${bound ? describeBind(bound.address, bound.port) : raw}`);
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
