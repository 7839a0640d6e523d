import { debug } from '../debug.js';
import { init, startEmitting } from './api.js';

/**
 * Starts this area from its environment variables when onload runs: with
 * `HMETRICS_TELEMETRY_URL` set, `init(HMETRICS_INSTANCE_ID or a random UUID per process)` then
 * `startEmitting(url)`. Never throws: a bad variable is reported through the debug log.
 */
export function startTelemetryFromEnv(env: NodeJS.ProcessEnv): void {
  try {
    const url = (env['HMETRICS_TELEMETRY_URL'] ?? '').trim();
    if (url === '') return;
    const id = (env['HMETRICS_INSTANCE_ID'] ?? '').trim() || globalThis.crypto.randomUUID();
    init(id);
    startEmitting(url);
  } catch (error) {
    debug(`telemetry not started: ${error instanceof Error ? error.message : String(error)}`);
  }
}
