import { debug, isTruthy } from '../util/debug.js';
import { enableHttpClientMonitor } from './monitor.js';

/**
 * Starts the outgoing-HTTP monitor when onload runs with `HMETRICS_HTTP_CLIENT` truthy. Its own
 * area, apart from CSM: the monitor needs none of CSM's modules (the reporter, the UDP
 * transport, the SDK middleware), and each module is startup time.
 * Never throws: a failure is reported through the debug log and the monitor stays off.
 */
export function startHttpMonitorFromEnv(env: NodeJS.ProcessEnv): void {
  try {
    if (isTruthy(env['HMETRICS_HTTP_CLIENT'])) {
      enableHttpClientMonitor();
      debug('http client monitor enabled');
    }
  } catch (error) {
    debug(`http client monitor not enabled: ${(error as Error).message}`);
  }
}
