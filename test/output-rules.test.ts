/**
 * The rules of docs/outputs.md, one regression test per bug the independent parsers found
 * (issue 18): names, clashes, negative values and sampled timers, in Prometheus and OTLP alike.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Aggregator } from 'hmetrics';
import { otlpName, prometheusName } from '../src/metrics/wire-names.js';
import { buildExport, ExportState } from '../src/otlp/build-request.js';
import type { ExportRequest, HistogramPoint, NumberPoint } from '../src/otlp/model.js';
import { resolveOtlpOptions } from '../src/otlp/options.js';
import { FamilyList } from '../src/prometheus/family.js';
import { render } from '../src/prometheus/format.js';
import { PushedSeries } from '../src/prometheus/pushed.js';
import { flatten } from '../src/sinks/flatten.js';

function exposition(record: (aggregator: Aggregator) => void): { openmetrics: string; text: string } {
  const aggregator = new Aggregator();
  const pushed = new PushedSeries();
  pushed.attach(aggregator);
  record(aggregator);
  aggregator.swap();
  const list = new FamilyList();
  pushed.collect(list);
  return { openmetrics: render(list.families, 'openmetrics'), text: render(list.families, 'text') };
}

function exports(intervals: ((aggregator: Aggregator) => void)[], temporality: 'cumulative' | 'delta' = 'cumulative'): ExportRequest[] {
  const aggregator = new Aggregator();
  const state = new ExportState();
  const options = resolveOtlpOptions({ temporality });
  return intervals.map((record) => {
    record(aggregator);
    const built = buildExport(aggregator.swap(), state, options, [], { name: 'test', version: '0' });
    built.commit();
    return built.request;
  });
}

function metric(request: ExportRequest, name: string): ExportRequest['metrics'][number] | undefined {
  return request.metrics.find((m) => m.name === name);
}

describe('names', () => {
  test('no Prometheus name starts with an underscore: 9lives and non-ASCII names get the metric_ prefix', () => {
    assert.equal(prometheusName('9lives'), 'metric_9lives');
    assert.equal(prometheusName('ñçđ counter'), 'metric_____counter');
    const { openmetrics } = exposition((a) => a.gauge('9lives', 1));
    assert.match(openmetrics, /^metric_9lives 1$/m);
    assert.doesNotMatch(openmetrics, /^_/m);
  });

  test('OTLP names are sanitised to [A-Za-z0-9_.-], start with a letter and stay within 255 characters, distinct when long', () => {
    const [request] = exports([(a) => a.count('a\\b\nc"d', 1)]);
    assert.ok(metric(request!, 'a_b_c_d'), `names sent: ${request!.metrics.map((m) => JSON.stringify(m.name)).join(', ')}`);
    assert.equal(otlpName('9lives'), 'metric_9lives');
    const long = 'x'.repeat(400);
    assert.equal(otlpName(long).length, 255);
    assert.notEqual(otlpName(long), otlpName(`${long}y`));
  });

  test('increment(jobs) and set(jobs.total) do not make two jobs_total families: the first recorded keeps the name, the clash is counted', () => {
    const { openmetrics, text } = exposition((a) => {
      a.count('jobs', 1);
      a.gauge('jobs.total', 7);
    });
    assert.equal(text.match(/^# HELP jobs_total /gm)?.length, 1, text);
    assert.match(openmetrics, /^# TYPE jobs counter$/m);
    assert.doesNotMatch(openmetrics, /^jobs_total 7$/m);
    assert.match(openmetrics, /^hmetrics_prometheus_name_clashes_total 1$/m);
  });

  test('an OTLP name owned by one source name is not shared with another (a b and a_b), nor across kinds', () => {
    const [request] = exports([(a) => {
      a.gauge('clash.one two', 1);
      a.gauge('clash.one_two', 2);
      a.count('clash.kind', 1);
      a.gauge('clash.kind', 5);
    }]);
    const points = (metric(request!, 'clash.one_two')!.points as NumberPoint[]);
    assert.deepEqual(points.map((p) => p.value), [1]);
    assert.equal(request!.metrics.filter((m) => m.name === 'clash.kind').length, 1);
    assert.ok(metric(request!, 'hmetrics.otlp.name_clashes'));
  });
});

describe('negative values', () => {
  test('a negative increment (statsd decrement) stays in the statsd/Heroku sums, and Prometheus and OTLP take only the increases: no monotonic sum falls', () => {
    const intervals = [(a: Aggregator): void => a.count('stock', 2), (a: Aggregator): void => {
      a.count('stock', 6);
      a.count('stock', -4);
    }, (a: Aggregator): void => a.count('stock', 3)];
    const requests = exports(intervals);
    const values = requests.map((r) => (metric(r, 'stock')!.points as NumberPoint[])[0]!.value);
    assert.deepEqual(values, [2, 8, 11], 'OTLP: 2, then +6 (the -4 left out), then +3');
    const counted = requests.map((r) => (metric(r, 'hmetrics.negative_increments')?.points as NumberPoint[] | undefined)?.[0]?.value ?? 0);
    assert.deepEqual(counted, [0, 1, 1]);
    const { openmetrics } = exposition((a) => intervals.forEach((record) => record(a)));
    assert.match(openmetrics, /^stock_total 11$/m, 'Prometheus agrees with OTLP');
    const aggregator = new Aggregator();
    aggregator.count('stock', 6);
    aggregator.count('stock', -4);
    aggregator.timing('latency', -1);
    const flat = flatten(aggregator.swap(), [50]);
    assert.equal(flat.counters['stock'], 2, 'statsd and Heroku counters are signed interval sums');
    assert.equal(flat.counters['hmetrics.negative_increments'], 1);
    assert.equal(flat.counters['latency.count'], undefined, 'a negative timing is refused');
    assert.equal(flat.counters['hmetrics.dropped.negative_timings'], 1);
  });

  test('delta temporality: no negative point on a monotonic sum', () => {
    const requests = exports([(a) => a.count('stock', 2), (a) => a.count('stock', -4)], 'delta');
    assert.deepEqual((metric(requests[1]!, 'stock')!.points as NumberPoint[]).map((p) => p.value), [0], 'an interval of only a decrement increases by 0');
  });
});

describe('sampled timers', () => {
  const sampled = (a: Aggregator): void => {
    for (let i = 0; i < 3; i++) a.timing('job', 12, [], 0.3);
  };

  test('OTLP: integer count, buckets adding up to it, and a sum whose mean lies within min and max', () => {
    const [request] = exports([sampled]);
    const point = metric(request!, 'job')!.points[0] as HistogramPoint;
    assert.equal(point.count, 10);
    assert.equal(point.counts.reduce((a, b) => a + b, 0), 10);
    assert.equal(point.min, 12);
    assert.equal(point.max, 12);
    assert.ok(Math.abs(point.sum / point.count - 12) < 1e-9, `sum ${point.sum} for count 10`);
  });

  test('OpenMetrics: integer bucket and count values (a fractional one makes strict parsers reject the scrape), sum matching', () => {
    const once = exposition((a) => a.timing('job', 12, [], 0.3));
    assert.match(once.openmetrics, /^job_count 3$/m, 'one value at rate 0.3 counts 3, its fraction carried to the next');
    assert.match(once.openmetrics, /^job_sum 36$/m);
    const { openmetrics } = exposition(sampled);
    const count = Number(/^job_count (\S+)$/m.exec(openmetrics)![1]);
    const sum = Number(/^job_sum (\S+)$/m.exec(openmetrics)![1]);
    assert.equal(count, 10, 'three values at rate 0.3: 3 + 3 + 4, the fraction carried');
    for (const [, value] of openmetrics.matchAll(/^job_bucket\{[^}]*\} (\S+)$/gm)) assert.ok(Number.isInteger(Number(value)), openmetrics);
    assert.equal(sum, 12 * count);
  });
});

describe('one metric per OTLP name in every export', () => {
  test('regression: after the descriptor caches are forgotten, a name that changed owner never appears twice (found by the property test, seed 991)', () => {
    const aggregator = new Aggregator({ maxSeries: 50_000 });
    const state = new ExportState();
    const options = resolveOtlpOptions({ temporality: 'cumulative' });
    const exportOnce = (): ExportRequest => {
      const built = buildExport(aggregator.swap(), state, options, [], { name: 'test', version: '0' });
      built.commit();
      return built.request;
    };
    aggregator.count('dup.name', 1); // a counter owns dup.name; cumulative, it is repeated while idle
    exportOnce();
    // 20 000 further names make the bounded caches forget owners; then a gauge claims dup.name.
    for (let i = 0; i < 20_001; i++) aggregator.gauge(`filler.${i}`, i);
    aggregator.gauge('dup.name', 7);
    const names = exportOnce().metrics.map((m) => m.name);
    assert.equal(names.filter((n) => n === 'dup.name').length, 1, 'one metric named dup.name');
    assert.equal(new Set(names).size, names.length, 'no two metrics share a name');
  });
});
