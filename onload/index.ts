/**
 * The side-effect entry: `import 'hmetrics/onload'`, `node --import hmetrics/onload app.js`,
 * or `NODE_OPTIONS="--require hmetrics/onload"`. Starts reporting from the environment
 * (HMETRICS_URL, else HEROKU_METRICS_URL) and never throws into the host.
 */
import { autostart } from '../src/autostart.js';

try {
  autostart();
} catch {
  // Never harm the host: a failure to start is not the app's problem.
}

// --- telemetry buffer API re-exported (issue 3) ---
