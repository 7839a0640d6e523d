/**
 * `npm start`: the whole path on one machine, no outside service. It starts the local
 * receiver (the stand-in for Heroku's metrics endpoint, with its page of live charts), runs
 * examples/busy-app with `--import hmetrics/onload` and a 2-second interval, and prints the
 * payloads as they arrive. Open the page's URL in a browser and watch the charts move.
 * Ctrl-C (or DEMO_PAYLOADS=N, after N payloads) stops the app with a signal, which makes
 * hmetrics flush the partial interval, then the demo ends.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { startReceiver } from '../src/cli/receive.js';

const PAYLOADS = Number(process.env['DEMO_PAYLOADS'] ?? Number.POSITIVE_INFINITY);
let seen = 0;
let stopping = false;

const stop = (why: string): void => {
  if (stopping) return;
  stopping = true;
  process.stdout.write(`\n${why}: hmetrics delivers the partial interval, then the app exits.\n\n`);
  app.kill('SIGTERM');
};

const options = {
  onPayload() {
    seen++;
    if (seen === PAYLOADS) stop(`${PAYLOADS} payloads received; sending SIGTERM to the app`);
  },
};
// The receiver's usual port, so the page's URL stays the same between runs; any free one if taken.
const receiver = await startReceiver({ ...options, port: 8126 }).catch(() => startReceiver(options));
const url = `${receiver.url}?app=busy-app`;
process.stdout.write(`Live charts: open ${receiver.url} in a browser (Ctrl-C to stop)\n` +
  `Receiver on ${receiver.url} (plays Heroku's metrics endpoint)\n` +
  `Starting: HEROKU_METRICS_URL=${url} HMETRICS_INTERVAL=2000 HMETRICS_HTTP_CLIENT=1 node --import hmetrics/onload busy-app.js\n` +
  `The app allocates in waves, blocks its event loop for up to 250 ms every 2 s and calls its own HTTP server.\n\n`);

const app = spawn(process.execPath, ['--import', 'hmetrics/onload', fileURLToPath(new URL('./busy-app.js', import.meta.url))], {
  // From the package root, where `--import hmetrics/onload` resolves, whatever the demo's cwd.
  cwd: fileURLToPath(new URL('../../', import.meta.url)),
  env: { ...process.env, HEROKU_METRICS_URL: url, HMETRICS_INTERVAL: '2000', HMETRICS_HTTP_CLIENT: '1' },
  stdio: ['ignore', 'inherit', 'inherit'],
});
// The terminal's Ctrl-C reaches the app too (same process group); the demo waits for it to flush.
process.once('SIGINT', () => stop('Ctrl-C'));
app.on('exit', (code, signal) => {
  process.stdout.write(`App exited (${signal ?? `code ${code}`}); ${seen} payloads received. ` +
    `Try it on your own app: npx hmetrics receive, open http://127.0.0.1:8126/, then HEROKU_METRICS_URL=http://127.0.0.1:8126/ node --import hmetrics/onload app.js\n`);
  void receiver.close();
});
