/**
 * The side-effect entry: `import 'hmetrics/onload'`, `node --import hmetrics/onload app.js`,
 * or `NODE_OPTIONS="--require hmetrics/onload"`. Starts reporting from the environment
 * (HMETRICS_URL, else HEROKU_METRICS_URL) and never throws into the host.
 */
import { autostart } from '../src/startup/autostart.js';

try {
  autostart(process.env); // the environment is read here, once, by src/config
} catch {
  // Never harm the host: a failure to start is not the app's problem.
}

// --- the telemetry buffer API, re-exported ---
// Static re-exports only (no top-level await), so `--require hmetrics/onload` loads too.
export {
  set,
  setNested,
  append,
  appendUnique,
  add,
  increment,
  reset,
  init,
  startEmitting,
  stopEmitting,
} from '../src/telemetry/lazy-api.js';
export { fastHash } from '../src/telemetry/fast-hash.js';
export type { TelemetryOptions } from '../src/telemetry/api.js';
export type { EmitterOptions } from '../src/telemetry/emitter.js';
export type { TelemetryValue, UniqueValue } from '../src/telemetry/values.js';
