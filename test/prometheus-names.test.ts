import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { prometheusText, stopPrometheus } from 'hmetrics';
import { parseExposition, type Parsed } from './helpers/exposition.js';

// prom-client is the oracle: its own collectDefaultMetrics() output and its own lists of names.
const require = createRequire(import.meta.url);
const promClient = require('prom-client') as typeof import('prom-client');
const metricsDir = join(dirname(require.resolve('prom-client')), 'lib', 'metrics');

/** Allocation that the young generation must collect, so both GC observers see entries. */
function makeGarbage(): number {
  let total = 0;
  for (let i = 0; i < 200_000; i++) total += ({ i, s: `x${i}` }).s.length;
  return total;
}

async function scrapeBoth(register: { metrics(): Promise<string> }, format: 'text' | 'openmetrics'): Promise<{ theirs: Parsed; ours: Parsed }> {
  return { theirs: parseExposition(await register.metrics()), ours: parseExposition(await prometheusText(format)) };
}

/** Label names per family (the sample name with its histogram/counter suffix stripped by TYPE). */
function labelNames(parsed: Parsed): Map<string, string> {
  const names = new Map<string, string>();
  for (const sample of parsed.samples) {
    const keys = Object.keys(sample.labels).filter((k) => k !== 'le').sort().join(',');
    names.set(sample.name, keys);
  }
  return names;
}

describe('prom-client default metrics: same names, types and labels', () => {
  const text = new promClient.Registry();
  const openMetrics = new promClient.Registry<typeof promClient.Registry.OPENMETRICS_CONTENT_TYPE>();
  openMetrics.setContentType(promClient.Registry.OPENMETRICS_CONTENT_TYPE);

  before(async () => {
    promClient.collectDefaultMetrics({ register: text });
    promClient.collectDefaultMetrics({ register: openMetrics });
    await prometheusText(); // starts our collectors
    for (let i = 0; i < 5; i++) {
      makeGarbage();
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });
  after(() => stopPrometheus());

  test('every name in prom-client\'s own metricNames lists is in our exposition', async () => {
    const ours = parseExposition(await prometheusText());
    const exposed = new Set(ours.types.keys());
    let checked = 0;
    for (const file of readdirSync(metricsDir).filter((f) => f.endsWith('.js'))) {
      const names = (require(join(metricsDir, file)) as { metricNames?: string[] }).metricNames ?? [];
      for (const name of names) {
        // osMemoryHeap.js lists the non-Linux name set; Linux reads /proc (osMemoryHeapLinux.js).
        if (process.platform !== 'linux' && /^process_(open|max)_fds$|^process_(virtual_memory|heap)_bytes$/.test(name)) continue;
        assert.ok(exposed.has(name), `${name} (prom-client lib/metrics/${file}) is missing`);
        checked++;
      }
    }
    assert.ok(checked >= 30, `checked ${checked} names`);
  });

  for (const format of ['text', 'openmetrics'] as const) {
    test(`${format}: every # TYPE prom-client prints, we print with the same type`, async () => {
      const { theirs, ours } = await scrapeBoth(format === 'text' ? text : openMetrics, format);
      assert.ok(theirs.types.size >= 30);
      for (const [name, type] of theirs.types) assert.equal(ours.types.get(name), type, `# TYPE ${name}`);
    });
  }

  test('every sample name prom-client prints, we print with the same label names', async () => {
    const { theirs, ours } = await scrapeBoth(text, 'text');
    const theirLabels = labelNames(theirs);
    const ourLabels = labelNames(ours);
    for (const [name, keys] of theirLabels) {
      // Handle and request types vary with what is open at the moment; their label names do not.
      if (!ourLabels.has(name) && /^nodejs_active_(handles|requests|resources)$/.test(name)) continue;
      assert.equal(ourLabels.get(name), keys, `labels of ${name}`);
    }
    assert.equal(ourLabels.get('nodejs_version_info'), 'major,minor,patch,version');
    assert.equal(ourLabels.get('nodejs_heap_space_size_used_bytes'), 'space');
    assert.equal(ourLabels.get('nodejs_gc_duration_seconds_bucket'), 'kind');
  });

  test('the GC histogram has prom-client\'s buckets, and the same spaces and version labels', async () => {
    const { theirs, ours } = await scrapeBoth(text, 'text');
    const buckets = (p: Parsed): string[] => [...new Set(p.samples.filter((s) => s.name === 'nodejs_gc_duration_seconds_bucket').map((s) => s.labels['le']!))];
    assert.deepEqual(buckets(ours), ['0.001', '0.01', '0.1', '1', '2', '5', '+Inf']);
    assert.deepEqual(buckets(ours), buckets(theirs));
    const labelValues = (p: Parsed, name: string, key: string): string[] => p.samples.filter((s) => s.name === name).map((s) => s.labels[key]!).sort();
    assert.deepEqual(labelValues(ours, 'nodejs_heap_space_size_total_bytes', 'space'), labelValues(theirs, 'nodejs_heap_space_size_total_bytes', 'space'));
    assert.deepEqual(ours.samples.find((s) => s.name === 'nodejs_version_info')?.labels, theirs.samples.find((s) => s.name === 'nodejs_version_info')?.labels);
  });

  test('our GC histogram counts every entry: at least as many minor GCs as prom-client (which keeps one per batch)', async () => {
    const { theirs, ours } = await scrapeBoth(text, 'text');
    const count = (p: Parsed): number => p.samples.find((s) => s.name === 'nodejs_gc_duration_seconds_count' && s.labels['kind'] === 'minor')?.value ?? 0;
    assert.ok(count(ours) > 0, 'minor GCs were seen');
    assert.ok(count(ours) >= count(theirs), `ours ${count(ours)} vs prom-client ${count(theirs)}`);
  });

  test('our extras use the same style: nodejs_/process_ names, base units, gauges', async () => {
    const ours = parseExposition(await prometheusText());
    for (const name of ['nodejs_eventloop_utilization_ratio', 'nodejs_gc_pause_max_seconds', 'process_cpu_utilization_ratio', 'nodejs_heap_size_limit_bytes']) {
      assert.equal(ours.types.get(name), 'gauge', name);
    }
  });
});
