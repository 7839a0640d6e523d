import { debug, isTruthy } from '../util/debug.js';
import { addressWithDefaults } from './address.js';
import { start } from './reporter.js';

/**
 * Starts this area from its environment variables when onload runs:
 * - `AWS_CSM_ENABLED` truthy → the CSM reporter, at `AWS_CSM_HOST` (default 127.0.0.1) and
 *   `AWS_CSM_PORT` (default 31000), with `AWS_CSM_CLIENT_ID` (default empty). The app then
 *   instruments its clients with `csm.get()?.injectHandlers(client)`.
 * Never throws: a bad variable is reported through the debug log and that part stays off.
 */
export function startCsmFromEnv(env: NodeJS.ProcessEnv): void {
  try {
    if (isTruthy(env['AWS_CSM_ENABLED'])) {
      const address = addressWithDefaults((env['AWS_CSM_HOST'] ?? '').trim(), (env['AWS_CSM_PORT'] ?? '').trim());
      const reporter = start(env['AWS_CSM_CLIENT_ID'] ?? '', address);
      debug(`csm: reporting to ${reporter.address}`);
    }
  } catch (error) {
    debug(`csm not started: ${(error as Error).message}`);
  }
}
