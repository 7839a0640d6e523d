/**
 * `npm start`: the whole path on one machine, no outside service. It starts the local
 * receiver (the stand-in for Heroku's metrics endpoint), runs examples/busy-app with
 * `--import hmetrics/onload` and a 2-second interval, prints the payloads as they arrive,
 * then stops the app with SIGTERM, which makes hmetrics flush the partial interval.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startReceiver } from '../src/cli/receive.js';

const PAYLOADS = Number(process.env['DEMO_PAYLOADS'] ?? 5);
let seen = 0;

const receiver = await startReceiver({
  onPayload() {
    seen++;
    if (seen === PAYLOADS) {
      process.stdout.write(`\nSending SIGTERM to the app: hmetrics delivers the partial interval, then the app exits.\n\n`);
      app.kill('SIGTERM');
    }
  },
});
const url = `${receiver.url}demo-token`;
process.stdout.write(`Receiver on ${receiver.url} (plays Heroku's metrics endpoint)\n` +
  `Starting: HEROKU_METRICS_URL=${url} HMETRICS_INTERVAL=2000 node --import hmetrics/onload busy-app.js\n` +
  `The app allocates constantly and blocks its event loop for 150 ms every 3 s.\n\n`);

const app = spawn(process.execPath, ['--import', 'hmetrics/onload', fileURLToPath(new URL('./busy-app.js', import.meta.url))], {
  env: { ...process.env, HEROKU_METRICS_URL: url, HMETRICS_INTERVAL: '2000' },
  stdio: 'inherit',
});
app.on('exit', (code, signal) => {
  process.stdout.write(`App exited (${signal ?? `code ${code}`}); ${seen} payloads received. ` +
    `Try it on your own app: npx hmetrics receive, then HEROKU_METRICS_URL=http://127.0.0.1:8126 node --import hmetrics/onload app.js\n`);
  void receiver.close();
});
