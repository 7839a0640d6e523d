import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { negotiateFormat, OPENMETRICS_CONTENT_TYPE, TEXT_CONTENT_TYPE } from 'hmetrics';
import { FamilyList, formatValue, label, pushHistogram } from '../src/prometheus/family.js';
import { contentTypeOf, escapeHelp, render } from '../src/prometheus/format.js';
import { labelName, metricName, pushedName, tagLabels } from '../src/prometheus/names.js';

describe('Prometheus exposition format', () => {
  test('values: +Inf, -Inf and NaN are spelled as both formats require', () => {
    assert.equal(formatValue(Infinity), '+Inf');
    assert.equal(formatValue(-Infinity), '-Inf');
    assert.equal(formatValue(Number.NaN), 'NaN');
    assert.equal(formatValue(0.001), '0.001');
    assert.equal(formatValue(1e21), '1e+21');
  });

  test('label values escape backslash, double quote and newline', () => {
    assert.equal(label('path', 'a\\b"c\nd'), 'path="a\\\\b\\"c\\nd"');
  });

  test('HELP escapes backslash and newline; OpenMetrics escapes the double quote too', () => {
    assert.equal(escapeHelp('a\\b\n"c"', false), 'a\\\\b\\n"c"');
    assert.equal(escapeHelp('a\\b\n"c"', true), 'a\\\\b\\n\\"c\\"');
  });

  test('0.0.4: a counter family is typed under its _total sample name; no # EOF', () => {
    const list = new FamilyList();
    list.counter('jobs', 'Jobs done.', 3);
    list.gauge('temp', 'Now.', Number.NaN);
    const text = render(list.families, 'text');
    assert.equal(text, '# HELP jobs_total Jobs done.\n# TYPE jobs_total counter\njobs_total 3\n# HELP temp Now.\n# TYPE temp gauge\ntemp NaN\n');
  });

  test('OpenMetrics: the counter family drops _total, its sample keeps it, and the page ends with # EOF', () => {
    const list = new FamilyList();
    list.counter('jobs', 'Jobs "done".', 3);
    const text = render(list.families, 'openmetrics');
    assert.equal(text, '# HELP jobs Jobs \\"done\\".\n# TYPE jobs counter\njobs_total 3\n# EOF\n');
  });

  test('histograms: cumulative buckets in order, then +Inf, _sum and _count', () => {
    const list = new FamilyList();
    const samples = list.open('rt', 'histogram', 'h');
    pushHistogram(samples, 'kind="minor"', [0.001, 0.01], [1, 3], 0.02, 4);
    const lines = render(list.families, 'text').split('\n').slice(2, -1);
    assert.deepEqual(lines, [
      'rt_bucket{kind="minor",le="0.001"} 1',
      'rt_bucket{kind="minor",le="0.01"} 3',
      'rt_bucket{kind="minor",le="+Inf"} 4',
      'rt_sum{kind="minor"} 0.02',
      'rt_count{kind="minor"} 4',
    ]);
  });

  test('negotiation: OpenMetrics only when the Accept header prefers it; no header means 0.0.4', () => {
    const prometheus242 = 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';
    assert.equal(negotiateFormat(prometheus242), 'openmetrics');
    assert.equal(negotiateFormat(undefined), 'text');
    assert.equal(negotiateFormat(''), 'text');
    assert.equal(negotiateFormat('text/plain;version=0.0.4'), 'text');
    assert.equal(negotiateFormat('*/*'), 'text');
    assert.equal(negotiateFormat('application/openmetrics-text'), 'openmetrics');
    assert.equal(negotiateFormat('application/openmetrics-text;version=0.0.1'), 'text', 'only OpenMetrics 1.0.0 is served');
    assert.equal(negotiateFormat('text/plain;q=1,application/openmetrics-text;q=0.5'), 'text');
    assert.equal(negotiateFormat('application/openmetrics-text;q=0'), 'text');
    assert.equal(contentTypeOf('text'), TEXT_CONTENT_TYPE);
    assert.equal(contentTypeOf('openmetrics'), OPENMETRICS_CONTENT_TYPE);
    assert.match(TEXT_CONTENT_TYPE, /^text\/plain; version=0\.0\.4/);
  });
});

describe('Prometheus names from pushed series', () => {
  test('metric names become [a-zA-Z][a-zA-Z0-9_]*: never a leading underscore (reserved), colons left to recording rules', () => {
    assert.equal(metricName('api.latency-ms'), 'api_latency_ms');
    assert.equal(metricName('9lives'), 'metric_9lives');
    assert.equal(metricName('_private'), 'metric__private');
    assert.equal(metricName('ns:sub.x'), 'ns_sub_x');
    assert.equal(metricName('é'), 'metric__');
    assert.equal(metricName(''), 'metric_');
  });

  test('a pushed name ending in a time unit is exposed in seconds, the base unit promtool asks for', () => {
    assert.deepEqual(pushedName('api.latency.ms'), { name: 'api_latency_seconds', scale: 1e-3 });
    assert.deepEqual(pushedName('gc.pause.ns'), { name: 'gc_pause_seconds', scale: 1e-9 });
    assert.deepEqual(pushedName('cpu.us'), { name: 'cpu_seconds', scale: 1e-6 });
    assert.deepEqual(pushedName('wait_milliseconds'), { name: 'wait_seconds', scale: 1e-3 });
    assert.deepEqual(pushedName('uptime.seconds'), { name: 'uptime_seconds', scale: 1 });
    assert.deepEqual(pushedName('items'), { name: 'items', scale: 1 });
    assert.deepEqual(pushedName('msgs.ms.count'), { name: 'msgs_ms_count', scale: 1 });
  });

  test('label names: no colons, no leading digit, reserved names prefixed', () => {
    assert.equal(labelName('http.method'), 'http_method');
    assert.equal(labelName('a:b'), 'a_b');
    assert.equal(labelName('1x'), '_1x');
    assert.equal(labelName('__name__'), 'tag___name__');
    assert.equal(labelName('le'), 'tag_le');
    assert.equal(labelName('worker'), 'tag_worker');
  });

  test('tags become sorted labels; a bare tag reads "true"; the first of two equal names wins', () => {
    assert.equal(tagLabels(['route:/a:b', 'canary', 'env:prod', 'env:dev']), 'canary="true",env="prod",route="/a:b"');
    assert.equal(tagLabels([]), '');
  });
});
