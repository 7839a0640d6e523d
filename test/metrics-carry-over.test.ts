import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Aggregator } from '../src/metrics/aggregator.js';
import { carryOver } from '../src/metrics/carry-over.js';
import { InternalMetric } from '../src/metrics/names.js';
import { summarizeTimer } from '../src/metrics/timer-stats.js';

test('carryOver adds counters, merges timers and sets, prefers newer gauges, and stays bounded (held series keep their place)', () => {
  const a = new Aggregator();
  a.count('c', 2); a.gauge('g', 1); a.gauge('old.only', 9); a.timing('t', 1); a.setMember('s', 'x');
  const older = a.swap();
  a.count('c', 3); a.gauge('g', 2); a.timing('t', 3); a.setMember('s', 'y');
  for (let i = 0; i < 50; i++) a.count(`extra.${i}`, 1);
  const newer = a.swap();
  const merged = carryOver(older, newer, { maxSeries: 30, maxTimerValues: 10, maxSetValues: 100 });
  assert.equal(merged.counters.get('c')!.value, 5);
  assert.equal(merged.gauges.get('g')!.value, 2);
  assert.equal(merged.timers.get('t')!.count, 2);
  assert.equal(merged.timers.get('t')!.min, 1);
  assert.deepEqual([...merged.sets.get('s')!.values].sort(), ['x', 'y']);
  const total = merged.counters.size + merged.gauges.size + merged.timers.size + merged.sets.size;
  // 30 series at most, plus the one drop counter that says what the cap refused.
  assert.equal(total, 31);
  assert.equal(merged.gauges.get('old.only')!.value, 9);
  assert.equal(merged.counters.get('hmetrics.dropped.series')!.value, 25);
  assert.equal(merged.intervalMs, older.intervalMs + newer.intervalMs);
});

test('regression: carried timers are merged by weight (10^6 × 1 ms then 10^3 × 100 ms → median 1, p95 1, mean 1.0990)', () => {
  const agg = new Aggregator();
  for (let i = 0; i < 1_000_000; i++) agg.timing('db', 1);
  const outage = agg.swap();
  for (let i = 0; i < 1_000; i++) agg.timing('db', 100);
  const recovery = agg.swap();
  const merged = carryOver(outage, recovery, { maxSeries: 10_000, maxTimerValues: 1_000, maxSetValues: 10_000 });
  const timer = merged.timers.get('db')!;
  assert.equal(timer.count, 1_001_000, 'count exact');
  assert.equal(timer.sum, 1_100_000, 'sum exact');
  assert.equal(timer.min, 1);
  assert.equal(timer.max, 100);
  assert.ok(timer.values.length <= 1_000, 'the sample stays within maxTimerValues');
  const s = summarizeTimer(timer, merged.intervalMs, [50, 95]);
  assert.equal(s.median, 1);
  assert.deepEqual(s.percentiles, [[50, 1], [95, 1]]);
  assert.equal(s.mean.toFixed(4), '1.0990');
});

test('regression: a carried set respects the configured member cap, and what it refuses is counted', () => {
  const agg = new Aggregator();
  let older = agg.swap();
  for (let round = 0; round < 5; round++) {
    for (let i = 0; i < 1_000; i++) agg.setMember('visitors', `r${round}.m${i}`);
    older = carryOver(older, agg.swap(), { maxSeries: 100, maxTimerValues: 10, maxSetValues: 2_500 });
  }
  assert.equal(older.sets.get('visitors')!.values.size, 2_500);
  assert.equal(older.counters.get(InternalMetric.droppedSetValues)?.value, 2_500);
});

test('regression: series refused by carry-over are counted in hmetrics.dropped.series; the configured timer cap holds', () => {
  const agg = new Aggregator();
  for (let i = 0; i < 20; i++) agg.count(`old.${i}`, 1);
  for (let i = 0; i < 300; i++) agg.timing('lat', i);
  const older = agg.swap();
  for (let i = 0; i < 20; i++) agg.count(`new.${i}`, 1);
  for (let i = 0; i < 300; i++) agg.timing('lat', i);
  const merged = carryOver(older, agg.swap(), { maxSeries: 30, maxTimerValues: 100, maxSetValues: 100 });
  assert.equal(merged.counters.size + merged.timers.size, 32, '30 series plus two drop counters');
  assert.equal(merged.counters.get(InternalMetric.droppedSeries)?.value, 11);
  assert.equal(merged.counters.get(InternalMetric.droppedTimerValues)?.value, 500);
  assert.ok(merged.timers.get('lat')!.values.length <= 100, `timer sample ${merged.timers.get('lat')!.values.length}`);
  assert.equal(merged.timers.get('lat')!.count, 600);
});
