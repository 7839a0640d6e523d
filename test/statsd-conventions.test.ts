import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import StatsD from 'hot-shots';
import { Aggregator, InvalidEndpoint, InvalidOption, parseStatsdLine, report, StatsdSink, type Snapshot } from 'hmetrics';
import { resetDebug } from '../src/util/debug.js';
import { resolveConventions } from '../src/sinks/statsd/conventions.js';
import { UdpCollector } from './helpers/udp-collector.js';
import { until } from './helpers/wait.js';

const UDP = new URL('udp://127.0.0.1:8125');

function snapshotOf(fill: (a: Aggregator) => void): Snapshot {
  const aggregator = new Aggregator();
  fill(aggregator);
  return aggregator.swap();
}

/** What the verbose log printed while `fn` ran. */
function verboseLines(fn: () => void): string[] {
  const lines: string[] = [];
  const write = process.stderr.write;
  resetDebug(true);
  process.stderr.write = ((text: string) => { lines.push(String(text)); return true; }) as typeof process.stderr.write;
  try {
    fn();
  } finally {
    process.stderr.write = write;
    resetDebug(false);
  }
  return lines;
}

describe('statsd conventions: where prefix, tags and mode come from', () => {
  test('the environment alone: prefix gets its dot; HMETRICS_STATSD_TAGS, DD_* and DYNO become tags', () => {
    const c = resolveConventions(UDP, { env: {
      HMETRICS_STATSD_PREFIX: 'myapp', HMETRICS_STATSD_TAGS: 'team:web, tier:1,,', DYNO: 'web.1',
      DD_ENV: 'prod', DD_SERVICE: 'checkout', DD_VERSION: '1.4.2', DD_ENTITY_ID: '0f9c-42',
    } });
    assert.equal(c.prefix, 'myapp.');
    assert.equal(c.tagsMode, 'dogstatsd');
    assert.deepEqual([...c.globalTags].sort(), [
      'dd.internal.entity_id:0f9c-42', 'dyno:web.1', 'env:prod', 'service:checkout', 'team:web', 'tier:1', 'version:1.4.2',
    ]);
  });

  test('nothing configured: no prefix, no tags', () => {
    assert.deepEqual(resolveConventions(UDP, { env: {} }), { prefix: '', globalTags: [], tagsMode: 'dogstatsd' });
  });

  test('a code option beats the URL, the URL beats the environment', () => {
    const env = { HMETRICS_STATSD_PREFIX: 'env.', HMETRICS_STATSD_TAGS: 'from:env', HMETRICS_STATSD_TAGS_MODE: 'none' };
    const url = new URL('udp://127.0.0.1:8125?prefix=url.&tags=from:url&tagsMode=dogstatsd');
    assert.deepEqual(resolveConventions(url, { env }), { prefix: 'url.', globalTags: ['from:url'], tagsMode: 'dogstatsd' });
    assert.deepEqual(resolveConventions(url, { env, prefix: 'code_', tags: ['from:code'], tagsMode: 'none' }),
      { prefix: 'code_', globalTags: ['from:code'], tagsMode: 'none' });
    assert.deepEqual(resolveConventions(UDP, { env }), { prefix: 'env.', globalTags: ['from:env'], tagsMode: 'none' });
    // An empty query parameter is a value: it clears what the environment says.
    assert.deepEqual(resolveConventions(new URL('udp://127.0.0.1:8125?tags=&prefix='), { env }), { prefix: '', globalTags: [], tagsMode: 'none' });
  });

  test('one tag per key: DYNO < DD_TAGS < HMETRICS_STATSD_TAGS < DD_ENV/DD_SERVICE/DD_VERSION (unified service tags win)', () => {
    const c = resolveConventions(UDP, { env: {
      DYNO: 'web.1', DD_TAGS: 'dyno:worker team:ops zone:a', HMETRICS_STATSD_TAGS: 'team:web,env:staging', DD_ENV: 'prod',
    } });
    assert.deepEqual([...c.globalTags].sort(), ['dyno:worker', 'env:prod', 'team:web', 'zone:a']);
  });

  test('DD_* values are sanitised as hot-shots does (a colon would split the tag again)', () => {
    const c = resolveConventions(UDP, { env: { DD_ENV: 'prod:eu|1', DD_VERSION: ' 2.0 ' } });
    assert.deepEqual([...c.globalTags].sort(), ['env:prod_eu_1', 'version:2.0']);
  });

  test('bad values in the environment never stop reporting: sanitised or skipped, each named in the verbose log', () => {
    let c!: ReturnType<typeof resolveConventions>;
    const lines = verboseLines(() => {
      c = resolveConventions(UDP, { env: {
        HMETRICS_STATSD_PREFIX: 'my app/..v2', HMETRICS_STATSD_TAGS: 'team:web,:orphan,tier:1|2,' + 'x'.repeat(201),
        HMETRICS_STATSD_TAGS_MODE: 'graphite',
      } });
    });
    assert.equal(c.prefix, 'my_app_.v2.');
    assert.deepEqual(c.globalTags, ['team:web', 'tier:1_2']);
    assert.equal(c.tagsMode, 'dogstatsd');
    const text = lines.join('');
    assert.match(text, /\[hmetrics\] statsd sink: HMETRICS_STATSD_PREFIX: " ", "\/" cannot be part of a statsd name \(replaced by _\); a leading or doubled `\.`/);
    assert.match(text, /HMETRICS_STATSD_TAGS: tag 2 has no key \(skipped\); tag 3 has "\|", which would break the DogStatsD line \(replaced by _\); tag 4 has 201 characters, over 200 \(skipped\)/);
    assert.match(text, /HMETRICS_STATSD_TAGS_MODE: expected one of dogstatsd, none, got "graphite"/);
  });

  test('bad values given in code throw InvalidOption, naming the setting', () => {
    assert.throws(() => new StatsdSink(UDP, { env: {}, prefix: 'app name' }), (err: Error) =>
      err instanceof InvalidOption && /statsd `prefix`.*" " cannot be part of a statsd name/.test(err.message));
    assert.throws(() => new StatsdSink(UDP, { env: {}, tags: ['ok:1', 'bad#tag'] }), (err: Error) =>
      err instanceof InvalidOption && /statsd `tags`.*tag 2 has "#"/.test(err.message));
    assert.throws(() => new StatsdSink(UDP, { env: {}, tags: [42] as never }), InvalidOption);
    assert.throws(() => new StatsdSink(UDP, { env: {}, tagsMode: 'etsy' as never }), (err: Error) =>
      err instanceof InvalidOption && /expected one of dogstatsd, none, got "etsy"/.test(err.message));
  });

  test('bad values in the URL reject report() with InvalidEndpoint, never quoting the query string', async () => {
    for (const query of ['prefix=sec%20ret', 'tags=k:sec%7Cret', 'tagsMode=secret']) {
      await assert.rejects(report(undefined, `udp://127.0.0.1:8125?${query}`, null, { runtime: false }), (err: Error) => {
        assert.ok(err instanceof InvalidEndpoint, err.message);
        assert.doesNotMatch(err.message, /sec.?ret/);
        return true;
      });
    }
  });
});

describe('statsd conventions on the wire', () => {
  let collector: UdpCollector;
  before(async () => { collector = await UdpCollector.start(); });
  after(() => collector.close());

  async function linesOf(options: ConstructorParameters<typeof StatsdSink>[1], fill: (a: Aggregator) => void, query = '', expectLines?: number): Promise<string[]> {
    collector.datagrams.length = 0;
    const sink = new StatsdSink(new URL(`udp://127.0.0.1:${collector.port}${query}`), options);
    const snapshot = snapshotOf(fill);
    await sink.deliver(snapshot);
    sink.close();
    const expected = expectLines ?? snapshot.counters.size + snapshot.gauges.size + [...snapshot.timers.values()].reduce((n, t) => n + t.values.length, 0)
      + [...snapshot.sets.values()].reduce((n, s) => n + s.values.size, 0);
    await until(() => collector.lines.length >= expected, 5000, `${expected} lines`);
    return collector.lines;
  }

  test('the same prefix, global tags and DD_* variables give the tags hot-shots sends, line for line', async () => {
    const env = { DD_ENV: 'prod:eu', DD_SERVICE: 'web', DD_VERSION: '1.2.3', DD_ENTITY_ID: 'abc-123', DD_TAGS: 'zone:a' };
    // hot-shots reads process.env when the client is made.
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    Object.assign(process.env, env);
    // A collector of its own: in Datadog mode hot-shots also sends its client telemetry.
    const theirCollector = await UdpCollector.start();
    const theirs: string[] = [];
    try {
      const client = new StatsD({ host: '127.0.0.1', port: theirCollector.port, maxBufferSize: 0, prefix: 'myapp.', globalTags: { team: 'web' } });
      client.increment('requests', 3, ['code:200']);
      client.gauge('queue', 7);
      client.set('users', 'ann');
      await until(() => theirCollector.lines.length >= 3, 5000, 'hot-shots lines');
      client.close();
      theirs.push(...theirCollector.lines.filter((line) => line.startsWith('myapp.')));
    } finally {
      theirCollector.close();
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
    const ours = await linesOf({ env, prefix: 'myapp.', tags: ['team:web'] }, (a) => {
      a.count('requests', 3, ['code:200']);
      a.gauge('queue', 7);
      a.setMember('users', 'ann');
    });
    const byName = (lines: string[]): Map<string, { kind: string; tags: string[] }> => new Map(lines.map((line) => {
      // hot-shots also sends DogStatsD 1.2's container field (`|c:…`); it is no tag.
      const parsed = parseStatsdLine(line.replace(/\|c:[^|]*$/, ''))!;
      return [parsed.name, { kind: parsed.kind, tags: [...parsed.tags].sort() }];
    }));
    assert.deepEqual(byName(ours), byName(theirs));
    assert.ok(ours.includes('myapp.requests:3|c|#zone:a,team:web,env:prod_eu,service:web,version:1.2.3,dd.internal.entity_id:abc-123,code:200'), ours.join('\n'));
  });

  test("a series' own tag beats a global tag with the same key; untagged series carry the global tags", async () => {
    const lines = await linesOf({ env: { DD_ENV: 'prod' }, tags: 'team:web' }, (a) => {
      a.count('hits', 1, ['team:search', 'code:200']);
      a.count('plain', 1);
    });
    const hits = parseStatsdLine(lines.find((l) => l.startsWith('hits:'))!)!;
    assert.deepEqual([...hits.tags].sort(), ['code:200', 'env:prod', 'team:search']);
    assert.equal(lines.find((l) => l.startsWith('plain:')), 'plain:1|c|#team:web,env:prod');
  });

  test('prefix and tags from the URL query reach every line, the sink\'s own drop counter too', async () => {
    const lines = await linesOf({ env: {} }, (a) => {
      a.count('hits', 2);
      a.count('x'.repeat(300), 1); // longer than a datagram: dropped and counted
    }, '?maxDatagramSize=200&prefix=app&tags=team:web');
    assert.ok(lines.includes('app.hits:2|c|#team:web'), lines.join('\n'));
    assert.ok(lines.includes('app.hmetrics.statsd.sink.dropped_lines:1|c|#team:web'), lines.join('\n'));
  });

  test('tagsMode none: no tag on the wire, every tag folded into the name as the Heroku sink does', async () => {
    const lines = await linesOf({ env: { DYNO: 'web.1' }, prefix: 'app.', tagsMode: 'none' }, (a) => {
      a.count('api.hits', 5, ['code:200', 'route:/users']);
      a.gauge('queue', -2);
      a.setMember('users', 'ann');
    });
    assert.ok(lines.includes('app.api.hits.code_200.dyno_web.1.route__users:5|c'), lines.join('\n'));
    assert.ok(lines.includes('app.queue.dyno_web.1:0|g') && lines.includes('app.queue.dyno_web.1:-2|g'));
    assert.ok(lines.includes('app.users.dyno_web.1:ann|s'));
    for (const line of lines) assert.ok(!line.includes('|#'), line);
  });

  test('numbers at their measured precision: no float noise, exact large counters, no NaN or Infinity', async () => {
    const lines = await linesOf({ env: {} }, (a) => {
      a.gauge('node.eventloop.delay.ms.median', 0.10316699999999912);
      a.gauge('node.eventloop.usage.percent', 0.1 + 0.2);
      a.gauge('ratio', 1e-7);
      a.gauge('zero', -0);
      a.gauge('tiny.negative', -1e-12);
      a.count('bytes', 2 ** 64);
      a.count('fraction', 1, [], 0.3);
      a.timing('latency', 12.3456789);
      a.gauge('broken', Number.NaN);
      a.gauge('endless', -Infinity);
      a.count('endless.count', Infinity);
    }, '', 8);
    assert.deepEqual([...lines].sort(), [
      'bytes:18446744073709551616|c',
      'fraction:3.333|c',
      // The aggregator refuses the three non-finite values and says so (docs/telemetry.md, "Refusals and finite numbers").
      'hmetrics.dropped.non_finite:3|c',
      'latency:12.346|ms',
      'node.eventloop.delay.ms.median:0.1032|g',
      'node.eventloop.usage.percent:0.3|g',
      'ratio:0.0000001|g',
      'tiny.negative:0|g',
      'zero:0|g',
    ]);
  });

  test('a sampled timer keeps its rate to 6 significant digits, so the server count stays right', async () => {
    const lines = await linesOf({ env: {}, maxTimerValues: 1000 }, (a) => {
      for (let i = 0; i < 3333; i++) a.timing('busy', i % 7);
    }, '', 1001);
    const busy = lines.filter((line) => line.startsWith('busy:'));
    assert.equal(busy.length, 1000);
    for (const line of busy) assert.match(line, /^busy:\d\|ms\|@0\.30003$/);
  });
});
