import { HmetricsError } from '../util/errors.js';

/** The Prometheus endpoint could not listen (address in use, permission, bad host). Fatal: the same address fails again. */
export class PrometheusListenFailed extends HmetricsError {
  constructor(address: string, reason: string, options?: { cause?: unknown }) {
    super('ERR_HMETRICS_PROMETHEUS_LISTEN', `Prometheus endpoint cannot listen on ${address}: ${reason}`, true, options);
  }
}
