/**
 * A small app that gives the metrics something to show: it allocates (so GC runs), serves
 * HTTP, blocks its event loop for 150 ms every 3 seconds, and records a few numbers of its own
 * through the telemetry buffer API. Run it with hmetrics preloaded:
 *
 *   HEROKU_METRICS_URL=http://127.0.0.1:8126 HMETRICS_INTERVAL=2000 \
 *     node --import hmetrics/onload dist/examples/busy-app.js
 */
import { createServer } from 'node:http';
import { append, increment, set } from 'hmetrics/onload';

const server = createServer((_req, res) => res.end('ok\n'));
server.listen(0, '127.0.0.1');

let garbage: unknown[] = [];
const allocate = setInterval(() => {
  // Short-lived objects feed the young generation; every tenth batch survives a while.
  const batch = Array.from({ length: 20_000 }, (_, i) => ({ i, text: `item ${i}` }));
  if (Math.random() < 0.1) garbage.push(batch);
  // Custom numbers travel with the runtime sample: a counter, a gauge and a timer.
  increment('demo.batches');
  set('demo.retained', garbage.length);
  append('demo.batch_ms', Math.random() * 5);
  if (garbage.length > 20) garbage = [];
}, 50);

const block = setInterval(() => {
  const end = performance.now() + 150;
  while (performance.now() < end) {
    // A synchronous stall, as a slow JSON.parse or a sync crypto call would cause.
  }
}, 3_000);

process.on('SIGTERM', () => {
  clearInterval(allocate);
  clearInterval(block);
  server.close();
});
