import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:http';
import { afterEach, describe, test } from 'node:test';
import {
  Aggregator, disableHttpClientMonitor, enableHttpClientMonitor, increment, listen, processAggregator, prometheusText,
  report, reset, RuntimeMetric, stopPrometheus,
} from 'hmetrics';
import { HerokuEndpoint } from './helpers/heroku-endpoint.js';
import { parseExposition, valueOf } from './helpers/exposition.js';
import { until } from './helpers/wait.js';

async function scrape(): Promise<ReturnType<typeof parseExposition>> {
  return parseExposition(await prometheusText());
}

describe('pushed series in the Prometheus exposition', () => {
  afterEach(() => {
    stopPrometheus();
    processAggregator.swap(); // start from an empty interval (public API: swap drains it)
  });

  test('counters are totals since the endpoint started: the push loop\'s swap() takes nothing from them', async () => {
    await prometheusText();
    processAggregator.count('orders.placed', 3, ['shop:eu']);
    const delivered = processAggregator.swap(); // what a report loop does each interval
    assert.equal(delivered.counters.get('orders.placed|#shop:eu')?.value, 3, 'the push loop still gets its delta');
    processAggregator.count('orders.placed', 2, ['shop:eu']);
    processAggregator.count('orders.placed', 5, ['shop:eu'], 0.5); // sample rate scales, as for statsd
    assert.equal(valueOf(await scrape(), 'orders_placed_total', { shop: 'eu' }), 15);
    processAggregator.count('orders.placed', -4, ['shop:eu']); // a counter never decreases
    assert.equal(valueOf(await scrape(), 'orders_placed_total', { shop: 'eu' }), 15);
  });

  test('with a real report loop delivering every 50 ms, counters keep growing across scrapes', async () => {
    const endpoint = await HerokuEndpoint.start();
    const controller = new AbortController();
    await prometheusText();
    const loop = report(controller.signal, endpoint.url(), null, { interval: 50, runtime: false });
    try {
      let last = 0;
      for (let round = 1; round <= 4; round++) {
        processAggregator.count('jobs.done', 1);
        await endpoint.waitForPayloads(round);
        const value = valueOf(await scrape(), 'jobs_done_total') ?? 0;
        assert.ok(value >= last, `scrape ${round}: ${value} after ${last}`);
        last = value;
      }
      assert.equal(last, 4);
      const pushed = endpoint.payloads.reduce((sum, p) => sum + (p.body.counters['jobs.done'] ?? 0), 0);
      assert.ok(pushed >= 3, `the push loop delivered its deltas too (${pushed})`);
    } finally {
      controller.abort();
      await loop;
      await endpoint.close();
    }
  });

  test('gauges, timers (cumulative histograms in the timer\'s unit) and sets', async () => {
    await prometheusText();
    processAggregator.gauge('queue.depth', 4);
    processAggregator.gauge('queue.depth', 9);
    for (const ms of [0.5, 3, 40, 40, 20_000]) processAggregator.timing('db.query.ms', ms, ['table:users']);
    for (const ms of [0.5, 3, 40]) processAggregator.timing('render', ms);
    processAggregator.setMember('visitors', 'ann');
    processAggregator.setMember('visitors', 'bob');
    processAggregator.setMember('visitors', 'ann');
    let page = await scrape();
    assert.equal(page.types.get('db_query_seconds'), 'histogram');
    assert.equal(valueOf(page, 'queue_depth'), 9);
    // A name ending in a time unit: seconds (values ÷ 1000), prom-client's buckets plus 1 and 2.5 ms.
    assert.equal(valueOf(page, 'db_query_seconds_bucket', { table: 'users', le: '0.001' }), 1);
    assert.equal(valueOf(page, 'db_query_seconds_bucket', { table: 'users', le: '0.005' }), 2);
    assert.equal(valueOf(page, 'db_query_seconds_bucket', { table: 'users', le: '0.05' }), 4);
    assert.equal(valueOf(page, 'db_query_seconds_bucket', { table: 'users', le: '10' }), 4);
    assert.equal(valueOf(page, 'db_query_seconds_bucket', { table: 'users', le: '+Inf' }), 5);
    assert.equal(valueOf(page, 'db_query_seconds_count', { table: 'users' }), 5);
    assert.ok(Math.abs(valueOf(page, 'db_query_seconds_sum', { table: 'users' })! - 20.0835) < 1e-9);
    // Any other name keeps its values (ms by statsd convention), with the same buckets in ms.
    assert.equal(valueOf(page, 'render_bucket', { le: '1' }), 1);
    assert.equal(valueOf(page, 'render_bucket', { le: '2.5' }), 1);
    assert.equal(valueOf(page, 'render_bucket', { le: '50' }), 3);
    assert.equal(valueOf(page, 'render_sum'), 43.5);
    assert.equal(valueOf(page, 'visitors'), 2);
    processAggregator.timing('db.query.ms', 2, ['table:users']);
    page = await scrape();
    assert.equal(valueOf(page, 'db_query_seconds_count', { table: 'users' }), 6, 'histograms are cumulative');
    assert.equal(valueOf(page, 'visitors'), 0, 'a set counts distinct members since the previous scrape');
    assert.equal(valueOf(page, 'queue_depth'), 9, 'a gauge keeps its last value');
  });

  test('statsd lines received over real UDP appear with no report loop running', async () => {
    await prometheusText();
    const receiver = await listen({ port: 0 });
    const client = createSocket('udp4');
    try {
      const { port } = receiver.address()!;
      const send = (text: string): Promise<void> => new Promise((resolve, reject) => client.send(text, port, '127.0.0.1', (e) => (e ? reject(e) : resolve())));
      await send('checkout.hits:2|c|#region:us-east\ncheckout.latency:120|ms|#region:us-east\ncart.size:3|g');
      await until(() => receiver.stats.packets === 1, 10_000, 'the packet');
      let page = await scrape();
      assert.equal(valueOf(page, 'checkout_hits_total', { region: 'us-east' }), 2);
      assert.equal(valueOf(page, 'checkout_latency_count', { region: 'us-east' }), 1);
      assert.equal(valueOf(page, 'cart_size'), 3);
      assert.equal(valueOf(page, 'hmetrics_statsd_packets_total'), 1);
      await send('checkout.hits:5|c|#region:us-east');
      await until(() => receiver.stats.packets === 2, 10_000, 'the second packet');
      page = await scrape();
      assert.equal(valueOf(page, 'checkout_hits_total', { region: 'us-east' }), 7);
    } finally {
      client.close();
      await receiver.close();
    }
  });

  test('the telemetry buffer\'s counters and the HTTP monitor\'s series appear', async (t) => {
    await prometheusText();
    increment('signups');
    increment('signups');
    const server = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    t.after(() => { server.close(); disableHttpClientMonitor(); reset(); });
    enableHttpClientMonitor();
    const { port } = server.address() as { port: number };
    for (let i = 0; i < 3; i++) await (await fetch(`http://127.0.0.1:${port}/`)).text();
    const page = await scrape();
    assert.equal(valueOf(page, 'signups_total'), 2);
    assert.equal(valueOf(page, 'node_http_client_requests_total', { host: '127.0.0.1' }), 3);
    assert.equal(valueOf(page, 'node_http_client_latency_seconds_count', { host: '127.0.0.1' }), 3);
  });

  test('the push loop\'s runtime names are not repeated; clashing names are left out', async () => {
    await prometheusText();
    processAggregator.count(RuntimeMetric.gcCollections, 3);
    processAggregator.gauge('process_open_fds', 1e9); // a runtime family already has this name
    processAggregator.gauge('dual', 1);
    processAggregator.timing('dual', 1); // same name, another kind: the first one wins
    processAggregator.gauge('a.b', 1);
    processAggregator.gauge('a_b', 2); // the same name after sanitising
    const text = await prometheusText();
    const page = parseExposition(text);
    assert.equal(page.samples.some((s) => s.name.startsWith('node_gc_')), false);
    assert.notEqual(valueOf(page, 'process_open_fds'), 1e9);
    assert.equal(page.types.get('dual'), 'gauge');
    assert.equal(page.samples.filter((s) => s.name === 'a_b').length, 1);
    assert.equal(text.match(/^# TYPE dual /gm)?.length, 1);
  });

  test('the series count is bounded and what the cap drops is counted', async () => {
    await prometheusText('text', { maxSeries: 5 });
    for (let i = 0; i < 12; i++) processAggregator.count('tenant.requests', 1, [`tenant:${i}`]);
    processAggregator.count('tenant.requests', 1, ['tenant:0']); // a known series still counts
    const page = await scrape();
    const kept = page.samples.filter((s) => s.name === 'tenant_requests_total');
    assert.equal(kept.length, 5);
    assert.equal(valueOf(page, 'tenant_requests_total', { tenant: '0' }), 2);
    assert.equal(valueOf(page, 'hmetrics_prometheus_dropped_series_total'), 7);
  });
});

test('Aggregator.addTap(): sees each record before the interval caps, with key, tags and sample rate; removable', () => {
  const aggregator = new Aggregator({ maxSeries: 1 });
  const seen: unknown[][] = [];
  const remove = aggregator.addTap((...args) => { seen.push(args); });
  aggregator.count('a', 2, [], 0.5);
  aggregator.gauge('g', 1, ['z:1', 'y:2']); // past maxSeries: dropped by the interval, still tapped
  aggregator.timing('t', 7);
  aggregator.setMember('s', 'm');
  remove();
  aggregator.count('a', 1);
  assert.deepEqual(seen, [
    ['count', 'a', 'a', [], 2, 0.5],
    ['gauge', 'g|#y:2,z:1', 'g', ['z:1', 'y:2'], 1, 1],
    ['timing', 't', 't', [], 7, 1],
    ['set', 's', 's', [], 'm', 1],
  ]);
  assert.equal(aggregator.swap().gauges.size, 0);
});

describe('the Prometheus store\'s set members', () => {
  test('are bounded all sets together by the aggregator\'s maxSetValues, and every refusal is counted', async () => {
    const { PushedSeries } = await import('../src/prometheus/pushed.js');
    const { FamilyList } = await import('../src/prometheus/family.js');
    const aggregator = new Aggregator({ maxSetValues: 1_000 });
    const store = new PushedSeries(); // per set: 10 000 by default, far above what each set gets
    store.attach(aggregator);
    try {
      // 30 sets × 100 members: each set is far below its own cap, together three times the total.
      for (let s = 0; s < 30; s++) for (let m = 0; m < 100; m++) aggregator.setMember(`visitors.${s}`, `member-${m}`);
      const list = new FamilyList();
      store.collect(list);
      const held = list.families.filter((f) => f.name.startsWith('visitors_')).reduce((sum, f) => sum + f.samples.reduce((n, x) => n + x.value, 0), 0);
      assert.equal(held, 1_000, 'members held, all sets together');
      const dropped = list.families.find((f) => f.name === 'hmetrics_prometheus_dropped_set_members')!;
      assert.equal(dropped.samples[0]!.value, 2_000);
      // The bound is per scrape window: after a scrape the sets take members again.
      aggregator.setMember('visitors.29', 'member-0');
      const next = new FamilyList();
      store.collect(next);
      assert.equal(next.families.find((f) => f.name === 'visitors_29')!.samples[0]!.value, 1);
    } finally {
      store.detach();
    }
  });
});
