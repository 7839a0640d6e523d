import { debug, isTruthy } from '../util/debug.js';
import { enableHttpServerMonitor } from './monitor.js';

/**
 * Starts this area when onload runs: `HMETRICS_HTTP_SERVER` truthy → the incoming-HTTP monitor;
 * `HMETRICS_HTTP_SERVER_STATUS_CODES` truthy → tagged by status code instead of class.
 * Never throws: a failure is reported through the debug log and the monitor stays off.
 */
export function startHttpServerFromEnv(env: NodeJS.ProcessEnv): void {
  try {
    enableHttpServerMonitor({ statusCodes: isTruthy(env['HMETRICS_HTTP_SERVER_STATUS_CODES']) });
    debug('http server monitor enabled');
  } catch (error) {
    debug(`http server monitor not enabled: ${(error as Error).message}`);
  }
}
