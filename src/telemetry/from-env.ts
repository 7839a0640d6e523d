import { debug } from '../util/debug.js';
import { addFinalFlush } from '../startup/shutdown.js';
import { init, startEmitting, stopEmitting } from './api.js';
import { EMITTER_DEFAULTS } from './emitter-defaults.js';

/**
 * Starts this area from its environment variables when onload runs: with
 * `HMETRICS_TELEMETRY_URL` set, `init(HMETRICS_INSTANCE_ID or a random UUID per process)` then
 * `startEmitting(url)`, and sends what the buffer holds when the process ends (natural exit or
 * a signal, docs/lifecycle.md) within the emitter's `finalTimeout`. Never throws: a bad variable is reported through the debug log.
 */
export function startTelemetryFromEnv(env: NodeJS.ProcessEnv): void {
  try {
    const url = (env['HMETRICS_TELEMETRY_URL'] ?? '').trim();
    if (url === '') return;
    const id = (env['HMETRICS_INSTANCE_ID'] ?? '').trim() || globalThis.crypto.randomUUID();
    init(id);
    startEmitting(url);
    addFinalFlush(stopEmitting, EMITTER_DEFAULTS.finalTimeout);
  } catch (error) {
    debug(`telemetry not started: ${error instanceof Error ? error.message : String(error)}`);
  }
}
