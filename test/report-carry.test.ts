import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Aggregator, InvalidOption, isReporting, report } from 'hmetrics';
import { HerokuEndpoint } from './helpers/heroku-endpoint.js';
import { until } from './helpers/wait.js';

let endpoint: HerokuEndpoint;
before(async () => { endpoint = await HerokuEndpoint.start(); });
after(async () => { await endpoint.close(); });

// A generous request timeout (it defaults to the interval): this machine may be loaded.
const quiet = { runtime: false, interval: 20, timeout: 5_000 } as const;

/** Leaves `count` of `name` undelivered for `path` (the handler stops the loop on the first failure). */
async function leaveUndelivered(path: string, name: string, count: number): Promise<void> {
  const aggregator = new Aggregator();
  aggregator.count(name, count);
  endpoint.respond = () => ({ status: 500 });
  await assert.rejects(report(undefined, endpoint.url(path), () => new Error('stop'), { ...quiet, aggregator }), /stop/);
  endpoint.respond = () => ({ status: 200 });
}

for (const [option, value] of [
  ['runtime', { delayResolution: -1 }],
  ['runtime', 'yes'],
  ['aggregator', {}],
  ['now', 5],
  ['interval', 0],
] as const) {
  test(`regression: report() rejected for ${option}=${JSON.stringify(value)} keeps the carried payload for the next good report()`, async () => {
    const path = `/rejected-${option}-${typeof value}`;
    await leaveUndelivered(path, 'carried.count', 5);
    await assert.rejects(report(AbortSignal.abort(), endpoint.url(path), null, { ...quiet, [option]: value } as never), InvalidOption);
    assert.equal(isReporting(), false);
    const before = endpoint.payloads.length;
    await report(AbortSignal.abort(), endpoint.url(path), null, { ...quiet, aggregator: new Aggregator() });
    const delivered = endpoint.payloads.slice(before).reduce((sum, p) => sum + (p.body.counters['carried.count'] ?? 0), 0);
    assert.equal(delivered, 5);
  });
}

test('regression: timers carried through an outage keep weights (10^6 × 1 ms, then 10^3 × 100 ms → median 1, p95 1, mean 1.0990)', async () => {
  const aggregator = new Aggregator();
  let recorded = 0;
  endpoint.respond = () => ({ status: recorded < 2 ? 503 : 200 });
  for (let i = 0; i < 1_000_000; i++) aggregator.timing('db.query', 1);
  recorded = 1;
  const rejectedBefore = endpoint.rejected.length;
  const controller = new AbortController();
  const path = '/weighted';
  const done = report(controller.signal, endpoint.url(path), null, { runtime: false, interval: 200, timeout: 5_000, aggregator });
  await until(() => endpoint.rejected.length > rejectedBefore, 10_000, 'the outage');
  for (let i = 0; i < 1_000; i++) aggregator.timing('db.query', 100);
  recorded = 2;
  await until(() => endpoint.payloads.some((p) => p.path === path), 10_000, 'recovery');
  controller.abort();
  await done;
  const payload = endpoint.payloads.find((p) => p.path === path)!;
  assert.equal(payload.body.counters['db.query.count'], 1_001_000);
  assert.equal(payload.body.gauges['db.query.median'], 1);
  assert.equal(payload.body.gauges['db.query.p95'], 1);
  assert.equal(payload.body.gauges['db.query.max'], 100);
  assert.equal(payload.body.gauges['db.query.mean']!.toFixed(4), '1.0990');
  endpoint.respond = () => ({ status: 200 });
});
