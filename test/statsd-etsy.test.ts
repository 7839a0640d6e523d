import assert from 'node:assert/strict';
import { after, before, describe, mock, test } from 'node:test';
import StatsD from 'hot-shots';
import { Aggregator, listen, report } from 'hmetrics';
import { EtsyStatsd } from './helpers/etsy-statsd.js';
import { until } from './helpers/wait.js';

// The real Etsy statsd server (npm `statsd`) in a child process, reading what our sink sends.
describe('statsd sink → Etsy statsd server', () => {
  let etsy: EtsyStatsd;
  before(async () => { etsy = await EtsyStatsd.start({ flushInterval: 100 }); });
  after(async () => { await etsy.close(); });

  test('counters, gauges (negative too), timers (sampled too), sets and tags arrive right, with no bad lines', async () => {
    const aggregator = new Aggregator();
    const controller = new AbortController();
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      const run = report(controller.signal, `udp://127.0.0.1:${etsy.port}?maxTimerValues=50`, null, { interval: 1000, runtime: false, aggregator });
      aggregator.count('etsy.hits', 3);
      aggregator.count('etsy.hits', 2);
      aggregator.count('etsy.fraction', 1, [], 0.4); // 2.5, fraction kept
      aggregator.count('etsy.tagged', 7, ['region:eu', 'tier:web']);
      aggregator.gauge('etsy.temperature', -7.25);
      aggregator.gauge('etsy.level', 42);
      for (const v of [5, 1, 3]) aggregator.timing('etsy.lat', v);
      for (let i = 0; i < 1000; i++) aggregator.timing('etsy.busy', i % 10); // past the cap of 50: sampled
      for (const m of ['ann', 'bob', 'ann']) aggregator.setMember('etsy.users', m);
      aggregator.count('bad name/with spaces', 1);
      mock.timers.tick(1000);
      mock.timers.reset();
      await etsy.waitFor(() => etsy.set('etsy.users').length === 2 && etsy.counter('etsy.hits') === 5 && etsy.timer('etsy.busy').length === 50);
      controller.abort();
      await run;
    } finally {
      mock.timers.reset();
    }
    assert.equal(etsy.counter('etsy.hits'), 5);
    assert.equal(etsy.counter('etsy.fraction'), 2.5);
    assert.equal(etsy.counter('etsy.tagged;region=eu;tier=web'), 7, 'DogStatsD tags, read by Etsy statsd as name;k=v');
    assert.equal(etsy.gauge('etsy.temperature'), -7.25, 'negative gauge: the reset line keeps it absolute');
    assert.equal(etsy.gauge('etsy.level'), 42);
    assert.deepEqual(etsy.timer('etsy.lat'), [1, 3, 5]);
    assert.equal(etsy.timerCount('etsy.lat'), 3);
    assert.equal(etsy.timer('etsy.busy').length, 50);
    assert.ok(Math.abs(etsy.timerCount('etsy.busy') - 1000) < 1e-6, `sampled timer count ${etsy.timerCount('etsy.busy')}`);
    assert.deepEqual(etsy.set('etsy.users'), ['ann', 'bob']);
    assert.equal(etsy.counter('bad_name_with_spaces'), 1);
    assert.equal(etsy.counter('statsd.bad_lines_seen'), 0);
  });

  test('forwarder: hot-shots → our receiver → aggregate → Etsy statsd once per interval', async () => {
    const aggregator = new Aggregator();
    const receiver = await listen({ port: 0, aggregator, counterRates: false });
    const client = new StatsD({ host: '127.0.0.1', port: receiver.address()!.port, maxBufferSize: 0 });
    const controller = new AbortController();
    const before = etsy.flushes.length;
    mock.timers.enable({ apis: ['setTimeout'] });
    try {
      const run = report(controller.signal, `udp://127.0.0.1:${etsy.port}`, null, { interval: 1000, runtime: false, aggregator });
      for (let i = 0; i < 100; i++) client.increment('fwd.requests', 1, { route: 'home' });
      client.gauge('fwd.depth', 9);
      client.timing('fwd.lat', 20);
      client.timing('fwd.lat', 40);
      await until(() => receiver.stats.lines >= 103, 10_000, 'hot-shots lines');
      mock.timers.tick(1000);
      mock.timers.reset();
      await etsy.waitFor(() => etsy.counter('fwd.requests;route=home') === 100 && etsy.timer('fwd.lat').length === 2);
      controller.abort();
      await run;
    } finally {
      mock.timers.reset();
      await new Promise<void>((resolve) => client.close(() => resolve()));
      await receiver.close();
    }
    // 100 increments arrived upstream as aggregated lines, not as 100 lines.
    const forwarded = etsy.flushes.slice(before);
    assert.equal(forwarded.reduce((n, f) => n + (f.counters['statsd.metrics_received'] ?? 0), 0) < 20, true);
    assert.equal(etsy.gauge('fwd.depth'), 9);
    assert.deepEqual(etsy.timer('fwd.lat'), [20, 40]);
    assert.equal(etsy.counter('hmetrics.statsd.lines'), 103);
    assert.equal(etsy.counter('statsd.bad_lines_seen'), 0);
  });
});
