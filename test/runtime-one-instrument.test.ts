import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runNode } from './helpers/child.js';

/**
 * With every output on (Heroku endpoint, Prometheus listener, OTLP beside it: three readers of
 * the runtime), the process runs one GC observer and one event-loop probe. Counted from outside
 * the package: the child wraps `PerformanceObserver.prototype.observe`/`disconnect` and
 * `monitorEventLoopDelay` (and each histogram's enable/disable) before hmetrics loads, then
 * scrapes once so every reader has read. The most ever running at once must be one of each
 * (the probe may restart once, finer, when the push loop's 20 ms joins Prometheus's 50 ms).
 */
const CHILD = `
const perf = require('node:perf_hooks');
const { syncBuiltinESMExports } = require('node:module');
let gcLive = 0, gcMax = 0, gcCreated = 0, probeLive = 0, probeMax = 0, probesCreated = 0;
const gcObservers = new WeakSet();
const proto = perf.PerformanceObserver.prototype;
const observe = proto.observe, disconnect = proto.disconnect;
proto.observe = function (options) {
  if (options && (options.type === 'gc' || (options.entryTypes || []).includes('gc')) && !gcObservers.has(this)) {
    gcObservers.add(this); gcCreated++; gcMax = Math.max(gcMax, ++gcLive);
  }
  return observe.call(this, options);
};
proto.disconnect = function () {
  if (gcObservers.delete(this)) gcLive--;
  return disconnect.call(this);
};
const monitor = perf.monitorEventLoopDelay;
perf.monitorEventLoopDelay = function (...args) {
  probesCreated++;
  const h = monitor.apply(this, args);
  const enable = h.enable.bind(h), disable = h.disable.bind(h);
  let on = false;
  h.enable = () => { if (!on) { on = true; probeMax = Math.max(probeMax, ++probeLive); } return enable(); };
  h.disable = () => { if (on) { on = false; probeLive--; } return disable(); };
  return h;
};
syncBuiltinESMExports();
(async () => {
  const hmetrics = await import('hmetrics');
  await import('hmetrics/onload');
  await new Promise((resolve) => setTimeout(resolve, 300)); // every area started, a few intervals ran
  const text = await hmetrics.prometheusText();
  if (!text.includes('nodejs_eventloop_lag_p99_seconds')) throw new Error('no runtime families');
  await new Promise((resolve) => setTimeout(resolve, 150));
  console.log(JSON.stringify({ gcMax, gcCreated, probeMax, probesCreated }));
  process.exit(0);
})().catch((error) => { console.error(error); process.exit(1); });
`;

test('all outputs on: exactly one GC observer and one event-loop probe in the process', async () => {
  const result = await runNode({
    args: ['-e', CHILD],
    env: {
      HEROKU_METRICS_URL: 'http://127.0.0.1:9/metrics',
      HMETRICS_INTERVAL: '100',
      HMETRICS_PROMETHEUS_LISTEN: '127.0.0.1:0',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9',
      OTEL_METRIC_EXPORT_INTERVAL: '100',
    },
    limitMs: 10_000,
  });
  assert.equal(result.code, 0, result.stderr);
  const counts = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as Record<string, number>;
  assert.equal(counts['gcMax'], 1, 'GC observers running at once');
  assert.equal(counts['gcCreated'], 1, 'GC observers created');
  assert.equal(counts['probeMax'], 1, 'event-loop probes running at once');
  assert.ok(counts['probesCreated']! <= 2, `probes created: ${counts['probesCreated']} (one, plus one finer restart at most)`);
});
