/**
 * One instrumentation, many readers: the push sampler's collectors and Prometheus's families read
 * the process's one GC observer and one delay probe, each through a cursor of its own. Whoever
 * reads first, the other still sees everything since its own previous read.
 */
import assert from 'node:assert/strict';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { test } from 'node:test';
import { Aggregator, RuntimeMetric } from 'hmetrics';
import { EventLoopDelayCollector } from '../src/runtime/event-loop-delay.js';
import { GcCollector } from '../src/runtime/gc.js';
import { delayProbe } from '../src/runtime/delay-probe.js';
import { gcSource } from '../src/runtime/gc-source.js';
import { EventLoopLag } from '../src/prometheus/event-loop-lag.js';
import { GcDurations } from '../src/prometheus/gc-durations.js';
import { FamilyList } from '../src/prometheus/family.js';
import { turns } from './helpers/wait.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as (options?: { type?: 'major' | 'minor' }) => void;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const immediate = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
function block(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}
const gaugeOf = (list: FamilyList, name: string): number => list.families.find((f) => f.name === name)!.samples[0]!.value;

test('a block reads in both the push collector and a scrape, whichever drains the probe first', async () => {
  const push = new EventLoopDelayCollector(20);
  const scrape = new EventLoopLag(50);
  push.enable();
  scrape.enable();
  try {
    assert.equal(delayProbe().probes, 1, 'one probe for both readers');
    assert.equal(delayProbe().period, 20, 'at the finer period');
    await sleep(100);
    block(150);
    await sleep(60);
    await immediate();
    const first = new FamilyList();
    scrape.collect(first); // the scrape drains first …
    const aggregator = new Aggregator();
    push.collect(aggregator); // … and the push loop still sees the block
    const pushMax = aggregator.swap().gauges.get(RuntimeMetric.eventLoopDelayMax)!.value;
    const scrapeMax = gaugeOf(first, 'nodejs_eventloop_lag_max_seconds') * 1000;
    assert.ok(scrapeMax >= 130 && scrapeMax <= 210, `scrape read a 150 ms block as ${scrapeMax} ms`);
    assert.ok(pushMax >= 130 && pushMax <= 210, `push read a 150 ms block as ${pushMax} ms`);
    // Each reader's window starts afresh at its own read only.
    await sleep(100);
    const second = new FamilyList();
    scrape.collect(second);
    assert.ok(gaugeOf(second, 'nodejs_eventloop_lag_max_seconds') < 0.1, 'the scrape\'s next window no longer holds the block');
  } finally {
    push.disable();
    scrape.disable();
  }
  assert.equal(delayProbe().probes, 0, 'the probe stops with its last reader');
});

test('every GC reaches both the push collector and the Prometheus histogram, whichever flushes first', async () => {
  const push = new GcCollector();
  const scrape = new GcDurations();
  push.enable();
  scrape.enable();
  try {
    assert.equal(gcSource().observers, 1, 'one observer for both readers');
    await immediate();
    for (let i = 0; i < 5; i++) gc({ type: 'minor' });
    gc({ type: 'major' });
    await turns(3); // entries reach observers a loop turn after their GC
    const list = new FamilyList();
    scrape.collect(list); // flushes the buffered entries to every listener
    const aggregator = new Aggregator();
    push.collect(aggregator);
    const pushed = aggregator.swap().counters.get(RuntimeMetric.gcCollections)!.value;
    const histogram = list.families.find((f) => f.name === 'nodejs_gc_duration_seconds')!;
    const scraped = histogram.samples.filter((s) => s.suffix === '_count').reduce((n, s) => n + s.value, 0);
    assert.ok(pushed >= 6, `push counted ${pushed} GCs`);
    assert.equal(scraped, pushed, 'both readers counted the same GCs');
  } finally {
    push.disable();
    scrape.disable();
  }
  assert.equal(gcSource().observers, 0, 'the observer stops with its last listener');
});

test('a window that merges drains: count, min, max and mean exact; percentiles within one 9 % bucket', async () => {
  const { createHistogram } = await import('node:perf_hooks');
  const { DelayWindow } = await import('../src/runtime/delay-window.js');
  const period = 20;
  const drain = (lagMs: number, n: number): ReturnType<typeof createHistogram> => {
    const h = createHistogram();
    for (let i = 0; i < n; i++) h.record(Math.round((period + lagMs) * 1e6)); // ns between ticks
    return h;
  };
  const reader = new DelayWindow();
  const other = new DelayWindow(); // a second reader's cursor, and how the probe fans a drain out
  reader.add(other.fold(drain(1, 100), period, 0));
  reader.add(other.fold(drain(10, 100), period, 12));
  const f = reader.figures();
  assert.equal(f.count, 200);
  // The histogram keeps 3 significant digits of the 21 ms between ticks: ±0.03 ms.
  assert.ok(Math.abs(f.min - 1) < 0.03 && f.max === 12, `min ${f.min}, max ${f.max} (the bridge's 12 ms)`);
  assert.ok(Math.abs(f.mean - 5.5) < 0.03, `mean ${f.mean}`);
  assert.ok(Math.abs(f.stddev - 4.5) < 0.05, `stddev ${f.stddev}`);
  assert.ok(f.p50 >= 1 * 0.99 && f.p50 <= 1 * 1.1, `p50 ${f.p50}`);
  assert.ok(f.p99 >= 10 * 0.99 && f.p99 <= 10 * 1.1, `p99 ${f.p99}`);
  reader.reset();
  assert.equal(reader.figures().count, 0, 'a reset moves only this cursor');
  assert.equal(other.figures().count, 200);
});
