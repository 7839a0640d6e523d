import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Aggregator, report } from 'hmetrics';
import { HerokuEndpoint, type ReceivedPayload } from './helpers/heroku-endpoint.js';
import { withoutContainerNames } from './helpers/container-names.js';

// Spelled out, not imported: the Heroku dashboard reads exactly these strings.
const HEROKU_COUNTERS = [
  'node.gc.collections',
  'node.gc.pause.ns',
  'node.gc.young.collections',
  'node.gc.young.pause.ns',
  'node.gc.old.collections',
  'node.gc.old.pause.ns',
];
const HEROKU_GAUGES = [
  'node.eventloop.usage.percent',
  'node.eventloop.delay.ms.median',
  'node.eventloop.delay.ms.p95',
  'node.eventloop.delay.ms.p99',
  'node.eventloop.delay.ms.max',
];
const EXTRA_COUNTERS = ['node.cpu.user.us', 'node.cpu.system.us'];
const EXTRA_GAUGES = [
  'node.gc.pause.max.ms',
  'node.memory.heap.used.bytes',
  'node.memory.heap.total.bytes',
  'node.memory.heap.limit.bytes',
  'node.memory.rss.bytes',
  'node.memory.external.bytes',
  'node.cpu.utilization',
  'node.handles.active',
  'node.requests.active',
];
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

let endpoint: HerokuEndpoint;
let payloads: ReceivedPayload[];
let startedAt: number;

before(async () => {
  endpoint = await HerokuEndpoint.start();
  const controller = new AbortController();
  startedAt = Date.now();
  // A fresh aggregator: only what the runtime sampler writes reaches the endpoint.
  const running = report(controller.signal, endpoint.url(), null, { interval: 200, aggregator: new Aggregator() });
  await endpoint.waitForPayloads(2);
  controller.abort();
  await running;
  payloads = endpoint.payloads;
});
after(async () => { await endpoint.close(); });

describe('runtime payload shape', () => {
  test('every payload, the final one after abort included, holds exactly the runtime names', () => {
    assert.ok(payloads.length >= 3, `${payloads.length} payloads`);
    for (const payload of payloads) {
      assert.deepEqual(Object.keys(payload.body).sort(), ['counters', 'gauges']);
      // The container block depends on the machine's cgroup: test/container-*.test.ts checks it.
      assert.deepEqual(withoutContainerNames(Object.keys(payload.body.counters)).sort(), [...HEROKU_COUNTERS, ...EXTRA_COUNTERS].sort());
      assert.deepEqual(withoutContainerNames(Object.keys(payload.body.gauges)).sort(), [...HEROKU_GAUGES, ...EXTRA_GAUGES].sort());
    }
  });

  test('every value is a finite number in its range', () => {
    for (const { body } of payloads) {
      for (const [name, value] of [...Object.entries(body.counters), ...Object.entries(body.gauges)]) {
        assert.equal(typeof value, 'number', name);
        assert.ok(Number.isFinite(value) && value >= 0, `${name} = ${value}`);
      }
      for (const name of HEROKU_COUNTERS) assert.ok(Number.isInteger(body.counters[name]), `${name} is a whole number`);
      const usage = body.gauges['node.eventloop.usage.percent']!;
      assert.ok(usage <= 1, `utilisation is a fraction, got ${usage}`);
      const g = body.gauges;
      assert.ok(g['node.eventloop.delay.ms.median']! <= g['node.eventloop.delay.ms.p95']!);
      assert.ok(g['node.eventloop.delay.ms.p95']! <= g['node.eventloop.delay.ms.p99']!);
      assert.ok(g['node.eventloop.delay.ms.p99']! <= g['node.eventloop.delay.ms.max']!);
      assert.ok(g['node.memory.heap.used.bytes']! <= g['node.memory.heap.total.bytes']!);
      assert.ok(g['node.memory.heap.total.bytes']! <= g['node.memory.heap.limit.bytes']!);
      assert.ok(g['node.memory.rss.bytes']! > 0);
      assert.ok(g['node.handles.active']! >= 1, 'the endpoint\'s own server is a handle');
    }
  });

  test('headers: Content-Type application/json, Content-Length of the body, Measurements-Time in RFC 3339', () => {
    let previous = startedAt - 1000;
    for (const { headers, raw } of payloads) {
      assert.equal(headers['content-type'], 'application/json');
      assert.equal(Number(headers['content-length']), Buffer.byteLength(raw));
      const time = headers['measurements-time'];
      assert.ok(typeof time === 'string' && RFC3339.test(time), `Measurements-Time ${String(time)}`);
      const at = Date.parse(time);
      assert.ok(at >= previous && at <= Date.now(), 'interval ends, in order, not in the future');
      previous = at;
    }
  });
});
