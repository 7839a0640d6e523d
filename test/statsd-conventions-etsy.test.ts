import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Aggregator, appendUnique, report } from 'hmetrics';
import { runNode } from './helpers/child.js';
import { EtsyStatsd } from './helpers/etsy-statsd.js';
import { HerokuEndpoint } from './helpers/heroku-endpoint.js';
import { UdpCollector } from './helpers/udp-collector.js';
import { until } from './helpers/wait.js';

const CONVENTION_VARIABLES = [
  'HMETRICS_STATSD_PREFIX', 'HMETRICS_STATSD_TAGS', 'HMETRICS_STATSD_TAGS_MODE',
  'DD_ENV', 'DD_SERVICE', 'DD_VERSION', 'DD_ENTITY_ID', 'DD_TAGS', 'DATADOG_TAGS', 'DYNO',
];

/** report() sinks read process.env: run with exactly these convention variables. */
async function withEnv<T>(env: Record<string, string>, fn: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(CONVENTION_VARIABLES.map((k) => [k, process.env[k]]));
  for (const k of CONVENTION_VARIABLES) delete process.env[k];
  Object.assign(process.env, env);
  try {
    return await fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** One report() delivery of what `fill` records (an aborted signal: the final delivery only). */
async function deliverOnce(endpoint: string, fill: (a: Aggregator) => void): Promise<void> {
  const aggregator = new Aggregator();
  fill(aggregator);
  await report(AbortSignal.abort(), endpoint, null, { runtime: false, aggregator });
}

// The real Etsy statsd server (npm `statsd`) reading what the sink sends with each convention.
describe('statsd conventions → Etsy statsd server', () => {
  let etsy: EtsyStatsd;
  before(async () => { etsy = await EtsyStatsd.start({ flushInterval: 100 }); });
  after(async () => { await etsy.close(); });

  test('tagsMode none: prefix and tags arrive in plain Graphite names, nothing Etsy counts as bad', async () => {
    await withEnv({ DYNO: 'web.1', HMETRICS_STATSD_PREFIX: 'myapp', HMETRICS_STATSD_TAGS_MODE: 'none' }, () =>
      deliverOnce(`udp://127.0.0.1:${etsy.port}?tags=region:eu`, (a) => {
        a.count('plain.hits', 4);
        a.count('api.hits', 7, ['code:200']);
        a.gauge('queue', -3);
        a.timing('lat', 12.5);
        a.setMember('users', 'ann');
      }));
    await etsy.waitFor(() => etsy.counter('myapp.plain.hits.dyno_web.1.region_eu') === 4 && etsy.set('myapp.users.dyno_web.1.region_eu').length === 1);
    assert.equal(etsy.counter('myapp.api.hits.code_200.dyno_web.1.region_eu'), 7);
    assert.equal(etsy.gauge('myapp.queue.dyno_web.1.region_eu'), -3);
    assert.deepEqual(etsy.timer('myapp.lat.dyno_web.1.region_eu'), [12.5]);
    assert.deepEqual(etsy.set('myapp.users.dyno_web.1.region_eu'), ['ann']);
    const names = etsy.flushes.flatMap((f) => [...Object.keys(f.counters), ...Object.keys(f.gauges)]);
    assert.ok(!names.some((name) => name.includes(';')), 'no DogStatsD tag reached Etsy');
    assert.equal(etsy.counter('statsd.bad_lines_seen'), 0);
  });

  test('dogstatsd mode: the prefix is part of the name, tags arrive as Etsy reads them (name;k=v)', async () => {
    await withEnv({ DD_ENV: 'prod', DD_SERVICE: 'checkout' }, () =>
      deliverOnce(`udp://127.0.0.1:${etsy.port}?prefix=shop.`, (a) => a.count('orders', 2)));
    await etsy.waitFor(() => etsy.counter('shop.orders;env=prod;service=checkout') === 2);
    assert.equal(etsy.counter('statsd.bad_lines_seen'), 0);
  });
});

describe('appendUnique: a statsd set for statsd, the gauge k.unique for Heroku and log', () => {
  let collector: UdpCollector;
  let heroku: HerokuEndpoint;
  before(async () => {
    collector = await UdpCollector.start();
    heroku = await HerokuEndpoint.start();
  });
  after(async () => {
    collector.close();
    await heroku.close();
  });

  test('each distinct value is one k:value|s line; the Heroku payload has k.unique', async () => {
    for (const value of ['ann', 'bob', 'ann', 7, true, null, 'bob']) appendUnique('conv.visitors', value);
    await withEnv({}, () => report(AbortSignal.abort(), `udp://127.0.0.1:${collector.port} ${heroku.url()}`, null, { runtime: false }));
    await until(() => collector.lines.filter((l) => l.startsWith('conv.visitors:')).length >= 5, 5000, 'the set lines');
    await heroku.waitForPayloads(1);
    assert.deepEqual(collector.lines.filter((l) => l.startsWith('conv.visitors')).sort(),
      ['conv.visitors:7|s', 'conv.visitors:ann|s', 'conv.visitors:bob|s', 'conv.visitors:null|s', 'conv.visitors:true|s']);
    const { gauges } = heroku.payloads[0]!.body;
    assert.equal(gauges['conv.visitors.unique'], 5);
    assert.equal(gauges['conv.visitors'], undefined);
  });

  test('two processes\' appendUnique values merge on a real statsd server into one set, with their conventions', async () => {
    const etsy = await EtsyStatsd.start({ flushInterval: 100 });
    try {
      // Two dynos, each with onload: every process sends its own distinct values when it exits.
      const app = (values: string[]): string =>
        `import { appendUnique } from 'hmetrics/onload';\nfor (const v of ${JSON.stringify(values)}) appendUnique('visitors', v);\n// The loop starts on the first turn; SIGTERM then flushes the partial interval.\nsetTimeout(() => console.log('ready'), 100);\nsetTimeout(() => {}, 60000);`;
      const results = await Promise.all([['ann', 'bob'], ['bob', 'cy']].map((values, i) => runNode({
        args: ['--import', 'hmetrics/onload', '--input-type=module', '-e', app(values)],
        env: { HMETRICS_URL: `udp://127.0.0.1:${etsy.port}`, HMETRICS_STATSD_PREFIX: 'shop', DYNO: `web.${i + 1}`, HMETRICS_STATSD_TAGS: 'team:web' },
        limitMs: 15_000,
        onStdout: (text, child) => { if (text.includes('ready')) child.kill('SIGTERM'); },
      })));
      for (const result of results) assert.equal(result.signal, 'SIGTERM', result.stderr);
      await etsy.waitFor(() => etsy.set('shop.visitors;dyno=web.1;team=web').length === 2 && etsy.set('shop.visitors;dyno=web.2;team=web').length === 2);
      assert.deepEqual(etsy.set('shop.visitors;dyno=web.1;team=web'), ['ann', 'bob']);
      assert.deepEqual(etsy.set('shop.visitors;dyno=web.2;team=web'), ['bob', 'cy']);
    } finally {
      await etsy.close();
    }
  });

  test('without a per-process tag, both processes\' members land in one server-side set: 3 distinct, where adding per-process counts would say 4', async () => {
    const etsy = await EtsyStatsd.start({ flushInterval: 100 });
    try {
      const app = (values: string[]): string =>
        `import { appendUnique } from 'hmetrics/onload';\nfor (const v of ${JSON.stringify(values)}) appendUnique('visitors', v);\n// The loop starts on the first turn; SIGTERM then flushes the partial interval.\nsetTimeout(() => console.log('ready'), 100);\nsetTimeout(() => {}, 60000);`;
      const results = await Promise.all([['ann', 'bob'], ['bob', 'cy']].map((values) => runNode({
        args: ['--import', 'hmetrics/onload', '--input-type=module', '-e', app(values)],
        env: { HMETRICS_URL: `udp://127.0.0.1:${etsy.port}` },
        limitMs: 15_000,
        onStdout: (text, child) => { if (text.includes('ready')) child.kill('SIGTERM'); },
      })));
      for (const result of results) assert.equal(result.signal, 'SIGTERM', result.stderr);
      await etsy.waitFor(() => etsy.set('visitors').length === 3);
      // Etsy flushes a set's distinct count as its value; each flush holds what arrived since the last.
      assert.deepEqual(etsy.set('visitors'), ['ann', 'bob', 'cy']);
    } finally {
      await etsy.close();
    }
  });
});

describe('onload reads the conventions from the environment', () => {
  let collector: UdpCollector;
  before(async () => { collector = await UdpCollector.start(); });
  after(() => collector.close());

  test('prefix, tags, DD_* and DYNO on every runtime line; bad values sanitised and named in the verbose log', async () => {
    const result = await runNode({
      args: ['--import', 'hmetrics/onload', '-e', 'setTimeout(() => console.log("ready"), 100); setTimeout(() => {}, 60000)'],
      env: {
        HMETRICS_URL: `udp://127.0.0.1:${collector.port}`, HMETRICS_INTERVAL: '60000', HMETRICS_VERBOSE: '1',
        HMETRICS_STATSD_PREFIX: 'my app', HMETRICS_STATSD_TAGS: 'team:web,:orphan', DD_ENV: 'prod', DD_SERVICE: 'checkout',
        DD_VERSION: '1.4.2', DD_ENTITY_ID: 'pod-1', DYNO: 'web.1',
      },
      limitMs: 20_000,
      onStdout: (text, child) => { if (text.includes('ready')) child.kill('SIGTERM'); },
    });
    assert.equal(result.signal, 'SIGTERM');
    await until(() => collector.lines.some((l) => l.startsWith('my_app.node.gc.collections:')), 5000, 'runtime lines');
    const tags = '|#dyno:web.1,team:web,env:prod,service:checkout,version:1.4.2,dd.internal.entity_id:pod-1';
    const runtime = collector.lines.filter((l) => l.includes('node.'));
    assert.ok(runtime.length >= 11, runtime.join('\n'));
    for (const line of runtime) {
      assert.ok(line.startsWith('my_app.node.') && line.endsWith(tags), line);
      assert.match(line, /^my_app\.[a-z0-9_.]+:-?\d+(\.\d{1,9})?\|(c|g|ms)\|#/, `plain decimals, no float noise: ${line}`);
    }
    assert.match(result.stderr, /\[hmetrics\] statsd sink: HMETRICS_STATSD_PREFIX: " " cannot be part of a statsd name \(replaced by _\)/);
    assert.match(result.stderr, /\[hmetrics\] statsd sink: HMETRICS_STATSD_TAGS: tag 2 has no key \(skipped\)/);
  });
});
