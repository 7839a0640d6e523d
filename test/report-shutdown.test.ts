import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Aggregator, report } from 'hmetrics';
import { settleShortPayload } from '../src/metrics/short-payload.js';
import { HerokuEndpoint } from './helpers/heroku-endpoint.js';
import { until } from './helpers/wait.js';

let endpoint: HerokuEndpoint;
before(async () => { endpoint = await HerokuEndpoint.start(); });
after(async () => { await endpoint.close(); });

test('regression: the delivery in flight at an abort gets half of flushTimeout; the final delivery gets the rest', async () => {
  const slow = await HerokuEndpoint.start();
  slow.respond = (n) => (n === 0 ? { status: 200, hang: true } : { status: 200 });
  const aggregator = new Aggregator();
  aggregator.count('before.hang', 2);
  const controller = new AbortController();
  const done = report(controller.signal, slow.url(), null, { runtime: false, interval: 50, timeout: 10_000, flushTimeout: 1_000, aggregator });
  await until(() => slow.requests >= 1, 10_000, 'the first delivery to hang');
  aggregator.count('partial', 3);
  const started = performance.now();
  controller.abort();
  await done;
  const took = performance.now() - started;
  await slow.close();
  assert.equal(slow.payloads.length, 1, 'the final delivery was made, with a live signal');
  assert.equal(slow.payloads[0]!.body.counters['partial'], 3);
  assert.equal(slow.payloads[0]!.body.counters['before.hang'], 2, 'the cut delivery\'s data went out with the final one');
  assert.ok(took >= 450, `the delivery in flight had its half (${Math.round(took)} ms)`);
  assert.ok(took < 1_000 + 300, `all within flushTimeout (${Math.round(took)} ms)`);
});

test('regression: a final payload covering less than a second repeats the last full interval\'s rate gauges (no shutdown spike)', async () => {
  const aggregator = new Aggregator();
  const controller = new AbortController();
  const path = '/short-payload';
  const done = report(controller.signal, endpoint.url(path), null, { interval: 1_000, aggregator });
  await until(() => endpoint.payloads.some((p) => p.path === path), 10_000, 'the first full interval');
  const busyUntil = performance.now() + 150; // the shutdown's own work: utilisation 1 over the short payload
  while (performance.now() < busyUntil);
  aggregator.count('last.moments', 4);
  controller.abort();
  await done;
  const [full, short] = endpoint.payloads.filter((p) => p.path === path);
  assert.ok(full && short, 'a full payload, then the short final one');
  for (const name of ['node.eventloop.usage.percent', 'node.cpu.utilization', 'node.eventloop.delay.ms.max']) {
    assert.equal(short.body.gauges[name], full.body.gauges[name], name);
  }
  assert.equal(short.body.counters['last.moments'], 4, 'the counters of the short payload are its own');
  assert.ok('node.gc.collections' in short.body.counters);
  assert.ok(short.body.gauges['node.memory.rss.bytes']! > 0, 'level gauges are fresh');
});

test('the short-payload rule: interval gauges from the last full interval; without one, the payload is left as it is', () => {
  const point = (name: string, value: number) => [name, { name, tags: [], value }] as const;
  const snapshot = {
    time: 1, intervalMs: 300,
    counters: new Map([point('job.items', 8)]),
    gauges: new Map([point('node.eventloop.usage.percent', 1), point('node.cpu.utilization', 1.7), point('node.memory.rss.bytes', 5e7), point('queue.depth', 3)]),
    timers: new Map(), sets: new Map(),
  };
  const lastFull = new Map([point('node.eventloop.usage.percent', 0.02), point('node.cpu.utilization', 0.05)]);
  const settled = settleShortPayload(snapshot, lastFull);
  assert.deepEqual(Object.fromEntries([...settled.gauges].map(([k, p]) => [k, p.value])), {
    'node.eventloop.usage.percent': 0.02, 'node.cpu.utilization': 0.05, 'node.memory.rss.bytes': 5e7, 'queue.depth': 3,
  });
  assert.equal(settled.counters.get('job.items')!.value, 8);
  assert.equal(settleShortPayload(snapshot, undefined), snapshot, 'a process that lived less than one interval: its own figures');
  const full = { ...snapshot, intervalMs: 1_000 };
  assert.equal(settleShortPayload(full, lastFull), full, 'a payload of a second or more passes unchanged');
});
