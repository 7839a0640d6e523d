/** The runtime sampler's `semconv` option: the figures OpenTelemetry names and hmetrics' own names lack. */
import assert from 'node:assert/strict';
import { getHeapSpaceStatistics } from 'node:v8';
import { test } from 'node:test';
import { withoutContainerNames } from './helpers/container-names.js';
import { Aggregator, createRuntimeSampler, RuntimeMetric, SemconvAttribute, SemconvMetric } from 'hmetrics';

const realTimeout = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function garbage(): number {
  let n = 0;
  for (let i = 0; i < 50; i++) n += new Array(50_000).fill(i).length;
  return n;
}

test('off by default: only hmetrics names are written', async () => {
  const aggregator = new Aggregator();
  const sampler = createRuntimeSampler();
  sampler.enable();
  garbage();
  await realTimeout(30);
  sampler.collect(aggregator);
  sampler.disable();
  const s = aggregator.swap();
  const names = new Set([...s.counters.values(), ...s.gauges.values(), ...s.timers.values()].map((p) => p.name));
  assert.deepEqual(withoutContainerNames([...names]).sort(), Object.values(RuntimeMetric).sort());
});

test('semconv: GC durations by type in seconds, heap spaces, loop time by state, delay statistics, resources by type', async () => {
  const aggregator = new Aggregator();
  const sampler = createRuntimeSampler({ semconv: true });
  sampler.enable();
  const wallStart = performance.now();
  garbage();
  const timer = setInterval(() => undefined, 1_000);
  await realTimeout(60);
  sampler.collect(aggregator);
  const wall = (performance.now() - wallStart) / 1000;
  const s = aggregator.swap();

  const gcCount = s.counters.get(RuntimeMetric.gcCollections)!.value;
  const durations = [...s.timers.values()].filter((t) => t.name === SemconvMetric.gcDuration);
  assert.ok(gcCount > 0, 'the garbage caused GCs');
  assert.equal(durations.reduce((sum, t) => sum + t.count, 0), gcCount, 'one duration per GC counted');
  for (const t of durations) {
    assert.match(t.tags[0]!, new RegExp(`^${SemconvAttribute.gcType}:(minor|major|incremental|weakcb)$`));
    assert.ok(t.max < 1, 'seconds, not ms');
  }
  const pauseNs = s.counters.get(RuntimeMetric.gcPauseNs)!.value;
  assert.ok(Math.abs(durations.reduce((sum, t) => sum + t.sum, 0) * 1e9 - pauseNs) < durations.length + 1, 'the same pauses as node.gc.pause.ns');

  const spaces = getHeapSpaceStatistics().map((space) => `${SemconvAttribute.heapSpaceName}:${space.space_name}`).sort();
  for (const name of [SemconvMetric.heapUsed, SemconvMetric.heapSpaceSize, SemconvMetric.heapSpaceAvailable, SemconvMetric.heapSpacePhysical]) {
    const tags = [...s.gauges.values()].filter((g) => g.name === name).map((g) => g.tags[0]!).sort();
    assert.deepEqual(tags, spaces, name);
  }

  const time = [...s.counters.values()].filter((c) => c.name === SemconvMetric.eventLoopTime);
  assert.deepEqual(time.map((c) => c.tags[0]).sort(), [`${SemconvAttribute.eventLoopState}:active`, `${SemconvAttribute.eventLoopState}:idle`]);
  const covered = time.reduce((sum, c) => sum + c.value, 0);
  assert.ok(covered > 0 && covered <= wall + 0.01, `active + idle (${covered} s) cover at most the interval (${wall} s)`);

  for (const name of [SemconvMetric.eventLoopDelayMin, SemconvMetric.eventLoopDelayMean, SemconvMetric.eventLoopDelayStddev, SemconvMetric.eventLoopDelayP90]) {
    const value = s.gauges.get(name)!.value;
    assert.ok(Number.isFinite(value) && value >= 0 && value < 1, `${name} = ${value} s`);
  }
  assert.ok(s.gauges.get(SemconvMetric.eventLoopDelayMin)!.value <= s.gauges.get(SemconvMetric.eventLoopDelayP90)!.value);

  const timerKey = `${SemconvMetric.resourceActive}|#${SemconvAttribute.resourceType}:Timeout`;
  assert.ok(s.gauges.get(timerKey)!.value >= 1, 'the ref\'d interval is an active Timeout');
  clearInterval(timer);
  sampler.collect(aggregator);
  const after = aggregator.swap();
  sampler.disable();
  assert.equal(after.gauges.get(timerKey)?.value, 0, 'a type seen before reports 0 once gone, as OTel does');
});
