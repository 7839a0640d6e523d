import assert from 'node:assert/strict';
import { readFile } from 'node:fs';
import { createServer } from 'node:net';
import { PerformanceObserver, performance, type PerformanceEntry } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Aggregator, createRuntimeSampler, InvalidOption, RuntimeMetric } from 'hmetrics';
import type { Snapshot } from 'hmetrics';
import { CpuCollector } from '../src/runtime/cpu.js';
import { EventLoopDelayCollector } from '../src/runtime/event-loop-delay.js';
import { EventLoopUtilizationCollector } from '../src/runtime/event-loop-utilization.js';
import { GcCollector } from '../src/runtime/gc.js';
import { HandlesCollector } from '../src/runtime/handles.js';
import { MemoryCollector } from '../src/runtime/memory.js';
import { turns } from './helpers/wait.js';
import { withoutContainerNames } from './helpers/container-names.js';

// A deterministic GC trigger without restarting node with --expose-gc.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as (options?: { type?: 'major' | 'minor' }) => void;

const counter = (s: Snapshot, name: string): number | undefined => s.counters.get(name)?.value;
const gauge = (s: Snapshot, name: string): number | undefined => s.gauges.get(name)?.value;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
function block(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

/** An observer independent of ours, holding every gc entry it is given. */
function witness(): { entries: PerformanceEntry[]; stop(): PerformanceEntry[] } {
  const entries: PerformanceEntry[] = [];
  const observer = new PerformanceObserver((list) => entries.push(...list.getEntries()));
  observer.observe({ type: 'gc' });
  return {
    entries,
    stop() {
      entries.push(...observer.takeRecords());
      observer.disconnect();
      return entries;
    },
  };
}
const kindOf = (e: PerformanceEntry): number => (e as PerformanceEntry & { detail: { kind: number } }).detail.kind;

describe('GcCollector', () => {
  test('counts every entry of a batched observer callback, split young (kinds 1, 2) / old (the rest)', async () => {
    const aggregator = new Aggregator();
    const collector = new GcCollector();
    const other = witness();
    collector.enable();
    // Several GCs in one tick reach the observers as one batch.
    gc({ type: 'minor' });
    gc();
    gc({ type: 'minor' });
    gc();
    await turns(3);
    collector.collect(aggregator);
    const entries = other.stop();
    collector.disable();
    const s = aggregator.swap();

    const young = entries.filter((e) => kindOf(e) === 1 || kindOf(e) === 2);
    const old = entries.filter((e) => kindOf(e) !== 1 && kindOf(e) !== 2);
    assert.ok(young.length >= 2 && old.length >= 2, `expected at least 2 young and 2 old GCs, got ${young.length}/${old.length}`);
    assert.equal(counter(s, RuntimeMetric.gcCollections), entries.length);
    assert.equal(counter(s, RuntimeMetric.gcYoungCollections), young.length);
    assert.equal(counter(s, RuntimeMetric.gcOldCollections), old.length);
    const ns = (list: PerformanceEntry[]): number => list.reduce((sum, e) => sum + e.duration, 0) * 1e6;
    assert.ok(Math.abs(counter(s, RuntimeMetric.gcYoungPauseNs)! - ns(young)) <= 1);
    assert.ok(Math.abs(counter(s, RuntimeMetric.gcOldPauseNs)! - ns(old)) <= 1);
    assert.equal(counter(s, RuntimeMetric.gcPauseNs), counter(s, RuntimeMetric.gcYoungPauseNs)! + counter(s, RuntimeMetric.gcOldPauseNs)!);
    assert.equal(gauge(s, RuntimeMetric.gcPauseMaxMs), Math.max(...entries.map((e) => e.duration)));
  });

  test('entries still buffered at collect time are taken (takeRecords), not pushed into the next interval', async () => {
    const aggregator = new Aggregator();
    const collector = new GcCollector();
    collector.enable();
    gc();
    gc();
    // One loop turn: the entries reach the observer's buffer, but its callback has not run yet.
    await new Promise((resolve) => setImmediate(resolve));
    collector.collect(aggregator);
    const first = counter(aggregator.swap(), RuntimeMetric.gcCollections)!;
    await turns(3);
    collector.collect(aggregator);
    const second = counter(aggregator.swap(), RuntimeMetric.gcCollections)!;
    collector.disable();
    assert.ok(first >= 2, `first interval counted ${first}`);
    assert.equal(second, 0, 'nothing of the first interval leaks into the second');
  });

  test('an interval without GC still reports all six counters as 0', () => {
    const aggregator = new Aggregator();
    const collector = new GcCollector();
    collector.enable();
    collector.collect(aggregator);
    collector.disable();
    const s = aggregator.swap();
    for (const name of [RuntimeMetric.gcCollections, RuntimeMetric.gcPauseNs, RuntimeMetric.gcYoungCollections,
      RuntimeMetric.gcYoungPauseNs, RuntimeMetric.gcOldCollections, RuntimeMetric.gcOldPauseNs]) {
      assert.equal(counter(s, name), 0, name);
    }
    assert.equal(gauge(s, RuntimeMetric.gcPauseMaxMs), 0);
  });

  test('after disable and enable again, the first collect counts only GCs since that enable', async () => {
    const aggregator = new Aggregator();
    const collector = new GcCollector();
    collector.enable();
    gc();
    gc();
    await turns(3);
    collector.disable();
    collector.enable();
    gc({ type: 'minor' });
    await turns(3);
    collector.collect(aggregator);
    collector.disable();
    const s = aggregator.swap();
    assert.equal(counter(s, RuntimeMetric.gcOldCollections), 0, 'the major GCs before the restart are gone');
    assert.ok(counter(s, RuntimeMetric.gcYoungCollections)! >= 1);
  });
  test('a GC that ran before enable, delivered to the observer after it, is not counted', async () => {
    const aggregator = new Aggregator();
    const collector = new GcCollector();
    const other = witness();
    gc();
    gc();
    // Same synchronous run: the two entries are still on their way to the observers.
    collector.enable();
    await turns(3);
    collector.collect(aggregator);
    collector.disable();
    const late = other.stop().filter((e) => e.startTime < performance.now());
    assert.ok(late.length >= 2, 'the witness was handed the earlier GCs');
    assert.equal(counter(aggregator.swap(), RuntimeMetric.gcOldCollections), 0);
  });
});

describe('EventLoopDelayCollector', () => {
  // A block of B ms reads between B − resolution and B, plus however long the OS keeps the
  // process off the CPU right after it (real lag, but a busy test machine's, not ours).
  const STALL = 60;

  test('an idle loop reads a median below 1 ms, not about the probe period', async () => {
    const aggregator = new Aggregator();
    const collector = new EventLoopDelayCollector(10);
    collector.enable();
    await sleep(300);
    collector.collect(aggregator);
    collector.disable();
    const s = aggregator.swap();
    assert.ok(gauge(s, RuntimeMetric.eventLoopDelayMedian)! < 1, `median ${gauge(s, RuntimeMetric.eventLoopDelayMedian)}`);
  });

  // monitorEventLoopDelay().reset() forgets the previous tick, so the tick ending a block that
  // starts right after a collect records nothing: without the bridge timer the block was lost.
  test('regression: a block starting right after a collect still shows in the next max', async () => {
    const aggregator = new Aggregator();
    const collector = new EventLoopDelayCollector(20);
    collector.enable();
    await sleep(100);
    await new Promise((resolve) => setImmediate(resolve));
    collector.collect(aggregator);
    aggregator.swap();
    block(150);
    await sleep(60);
    await new Promise((resolve) => setImmediate(resolve));
    collector.collect(aggregator);
    collector.disable();
    const max = gauge(aggregator.swap(), RuntimeMetric.eventLoopDelayMax)!;
    assert.ok(max >= 130 && max <= 150 + STALL, `a 150 ms block read as ${max} ms`);
  });

  test('a block in the middle of an interval reads its length within the probe period', async () => {
    const aggregator = new Aggregator();
    const collector = new EventLoopDelayCollector(20);
    collector.enable();
    await sleep(70);
    block(150);
    await sleep(60);
    await new Promise((resolve) => setImmediate(resolve));
    collector.collect(aggregator);
    collector.disable();
    const s = aggregator.swap();
    const max = gauge(s, RuntimeMetric.eventLoopDelayMax)!;
    assert.ok(max >= 130 && max <= 150 + STALL, `a 150 ms block read as ${max} ms`);
    assert.ok(gauge(s, RuntimeMetric.eventLoopDelayMedian)! <= gauge(s, RuntimeMetric.eventLoopDelayP95)!);
    assert.ok(gauge(s, RuntimeMetric.eventLoopDelayP95)! <= gauge(s, RuntimeMetric.eventLoopDelayP99)!);
    assert.ok(gauge(s, RuntimeMetric.eventLoopDelayP99)! <= max);
  });
});

describe('EventLoopUtilizationCollector', () => {
  test('each collect covers only its own interval (absolute snapshots, not the previous delta)', async () => {
    const aggregator = new Aggregator();
    const collector = new EventLoopUtilizationCollector();
    collector.enable();
    await sleep(20);
    block(150);
    await sleep(10);
    collector.collect(aggregator);
    const busy = gauge(aggregator.swap(), RuntimeMetric.eventLoopUsage)!;
    const idle: number[] = [];
    for (let i = 0; i < 3; i++) {
      await sleep(150);
      collector.collect(aggregator);
      idle.push(gauge(aggregator.swap(), RuntimeMetric.eventLoopUsage)!);
    }
    collector.disable();
    assert.ok(busy > 0.6, `busy interval read ${busy}`);
    // With the previous delta as baseline, the third interval would read about the busy share again.
    for (const value of idle) assert.ok(value >= 0 && value < 0.1, `idle intervals read ${idle.join(', ')}`);
  });
});

describe('CpuCollector', () => {
  test('user + system µs are the deltas since enable; utilisation is their share of wall time', () => {
    const aggregator = new Aggregator();
    const collector = new CpuCollector();
    const before = process.cpuUsage();
    collector.enable();
    // Spin until 50 ms of CPU time is used (wall time would depend on the machine's load).
    const start = process.cpuUsage();
    while (process.cpuUsage(start).user < 50_000);
    collector.collect(aggregator);
    const bound = process.cpuUsage(before);
    collector.disable();
    const s = aggregator.swap();
    const spent = counter(s, RuntimeMetric.cpuUserUs)! + counter(s, RuntimeMetric.cpuSystemUs)!;
    assert.ok(spent >= 50_000, `counted ${spent} µs`);
    assert.ok(spent <= bound.user + bound.system, 'no more than the time since enable');
    const utilization = gauge(s, RuntimeMetric.cpuUtilization)!;
    assert.ok(utilization > 0 && utilization <= 4, `utilisation ${utilization}`);
  });
});

describe('MemoryCollector and HandlesCollector', () => {
  test('memory gauges are byte counts consistent with each other', () => {
    const aggregator = new Aggregator();
    const collector = new MemoryCollector();
    collector.enable();
    collector.collect(aggregator);
    collector.disable();
    const s = aggregator.swap();
    const used = gauge(s, RuntimeMetric.heapUsedBytes)!;
    const total = gauge(s, RuntimeMetric.heapTotalBytes)!;
    const limit = gauge(s, RuntimeMetric.heapLimitBytes)!;
    assert.ok(used > 0 && used <= total && total <= limit, `${used} / ${total} / ${limit}`);
    assert.ok(gauge(s, RuntimeMetric.rssBytes)! >= used);
    assert.ok(gauge(s, RuntimeMetric.externalBytes)! >= 0);
  });

  test('a listening server is a handle; an fs read in flight is a request', async () => {
    const aggregator = new Aggregator();
    const collector = new HandlesCollector();
    collector.enable();
    collector.collect(aggregator);
    const base = aggregator.swap();
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const done = new Promise((resolve) => readFile(fileURLToPath(import.meta.url), resolve));
    collector.collect(aggregator);
    const s = aggregator.swap();
    await done;
    await new Promise((resolve) => server.close(resolve));
    collector.disable();
    assert.equal(gauge(s, RuntimeMetric.activeHandles), gauge(base, RuntimeMetric.activeHandles)! + 1);
    assert.ok(gauge(s, RuntimeMetric.activeRequests)! >= gauge(base, RuntimeMetric.activeRequests)! + 1);
  });
});

describe('createRuntimeSampler', () => {
  test('rejects a delay resolution that is not a positive integer', () => {
    for (const bad of [0, -5, 1.5, Number.NaN]) {
      assert.throws(() => createRuntimeSampler({ delayResolution: bad }), (err: unknown) => {
        assert.ok(err instanceof InvalidOption);
        assert.equal(err.message, `Expected \`delayResolution\` to be a positive integer of ms up to 2147483647 (the longest delay a Node timer holds), got ${String(bad)}`);
        return true;
      });
    }
  });

  test('writes every runtime metric once enabled, and nothing before enable or after disable', async () => {
    const aggregator = new Aggregator();
    const sampler = createRuntimeSampler();
    sampler.collect(aggregator);
    assert.equal(aggregator.size, 0, 'not enabled: nothing written');
    sampler.enable();
    await sleep(50);
    sampler.collect(aggregator);
    const s = aggregator.swap();
    sampler.disable();
    const written = withoutContainerNames([...s.counters.keys(), ...s.gauges.keys()]).sort();
    assert.deepEqual(written, Object.values(RuntimeMetric).sort());
    for (const value of [...s.counters.values(), ...s.gauges.values()]) assert.ok(Number.isFinite(value.value), value.name);
    sampler.collect(aggregator);
    assert.equal(aggregator.size, 0, 'disabled: nothing written');
  });
});
