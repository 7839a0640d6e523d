/**
 * A small app that gives the metrics something to show, in waves of about a minute so the live
 * page's charts move: it allocates (so GC runs and the heap climbs and falls), blocks its event
 * loop for 30–250 ms every 2 seconds, calls its own HTTP server (seen by the outgoing-HTTP
 * monitor when HMETRICS_HTTP_CLIENT=1), and records numbers of its own through the telemetry
 * buffer API. Run it with hmetrics preloaded:
 *
 *   HEROKU_METRICS_URL=http://127.0.0.1:8126 HMETRICS_INTERVAL=2000 \
 *     node --import hmetrics/onload dist/examples/busy-app.js
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { append, increment, set } from 'hmetrics/onload';

/** 0 → 1 → 0 over a minute: how busy the app is now. */
const load = (): number => (1 - Math.cos((performance.now() / 60_000) * 2 * Math.PI)) / 2;

const server = createServer((_req, res) => {
  // Some answers are slow, a few fail: latency and errors for the HTTP panels.
  const delay = 2 + Math.random() * 40 * load();
  setTimeout(() => res.writeHead(Math.random() < 0.05 ? 503 : 200).end('ok\n'), delay);
});
server.listen(0, '127.0.0.1');

let retained: unknown[] = [];
const allocate = setInterval(() => {
  const started = performance.now();
  // Short-lived objects feed the young generation; some batches survive until the next reset,
  // so the heap climbs in a saw-tooth and old-generation collections happen too.
  const batch = Array.from({ length: 5_000 + Math.round(30_000 * load()) }, (_, i) => ({ i, text: `item ${i}` }));
  if (Math.random() < 0.15) retained.push(batch);
  if (retained.length > 25) retained = [];
  increment('demo.batches');
  set('demo.retained', retained.length);
  append('demo.batch_ms', performance.now() - started);
}, 50);

const block = setInterval(() => {
  const end = performance.now() + 30 + 220 * load() * Math.random();
  while (performance.now() < end) {
    // A synchronous stall, as a slow JSON.parse or a sync crypto call would cause.
  }
}, 2_000);

const call = setInterval(() => {
  const { port } = server.address() as AddressInfo;
  fetch(`http://127.0.0.1:${port}/`).then(
    (res) => { increment(res.ok ? 'demo.calls.ok' : 'demo.calls.failed'); return res.arrayBuffer(); },
    () => increment('demo.calls.failed'),
  );
}, 250);

const stop = (): void => {
  clearInterval(allocate);
  clearInterval(block);
  clearInterval(call);
  server.close();
  server.closeAllConnections();
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
