import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { GcCollector } from '../src/runtime/gc.js';
import { heapAfterLastFullGc } from '../src/container/heap-after-gc.js';
import { Aggregator } from 'hmetrics';
import { ContainerCollector } from '../src/container/collector.js';
import { filesBelow } from '../src/container/files.js';
import { ContainerWarnings } from '../src/container/warnings.js';
import { ContainerMetric, NodeMemoryMetric } from '../src/metrics/names.js';
import { removeTree, V2_MOUNT, v2CpuStat, v2MemoryEvents, v2MemoryStat, writeTree } from './helpers/cgroup-fixture.js';

const MiB = 1024 * 1024;
const roots: string[] = [];
after(() => { for (const root of roots) removeTree(root); });

const APP = '/sys/fs/cgroup/app';

function fixture(memoryMax: string) {
  const root = writeTree({
    '/proc/self/cgroup': '0::/app\n',
    '/proc/self/mountinfo': V2_MOUNT,
    [`${APP}/cpu.max`]: '20000 100000\n',
    [`${APP}/cpu.stat`]: v2CpuStat(100, 10, 5000),
    [`${APP}/memory.max`]: memoryMax,
    [`${APP}/memory.current`]: `${200 * MiB}\n`,
    [`${APP}/memory.stat`]: v2MemoryStat(20 * MiB),
    [`${APP}/memory.events`]: v2MemoryEvents(1, 0),
  });
  roots.push(root);
  return root;
}

describe('ContainerCollector', () => {
  test('limits as gauges each interval, counters as per-interval deltas, quota utilisation from the process\'s CPU time', async () => {
    const root = fixture(`${256 * MiB}\n`);
    let now = 0;
    let cpuUs = 0;
    const lines: string[] = [];
    const collector = new ContainerCollector({
      files: filesBelow(root), hostMemory: 64 * 1024 * MiB,
      now: () => now, cpuUsage: () => ({ user: cpuUs, system: 0 }),
      warnings: new ContainerWarnings({ write: (line) => lines.push(line), now: () => 0 }, true, {}),
    });
    const aggregator = new Aggregator();
    collector.collect(aggregator);
    assert.equal(aggregator.size, 0, 'nothing before enable');
    collector.enable();
    assert.equal(lines.length, 0, 'checked just after start, not during the import');
    await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(lines.length, getHeapStatistics().heap_size_limit > 256 * MiB ? 1 : 0, 'one warning when the V8 heap limit is above 256 MiB');

    // One second at 0.1 core against a 0.2-core quota: half the quota.
    now += 1000;
    cpuUs += 100_000;
    writeFileSync(join(root, APP, 'cpu.stat'), v2CpuStat(110, 15, 7500));
    writeFileSync(join(root, APP, 'memory.events'), v2MemoryEvents(4, 1));
    collector.collect(aggregator);
    const s = aggregator.swap();
    const counter = (name: string) => s.counters.get(name)?.value;
    const gauge = (name: string) => s.gauges.get(name)?.value;
    assert.equal(counter(ContainerMetric.cpuPeriods), 10);
    assert.equal(counter(ContainerMetric.cpuThrottledPeriods), 5);
    assert.equal(counter(ContainerMetric.cpuThrottledUs), 2500);
    assert.equal(gauge(ContainerMetric.cpuThrottledRatio), 0.5, '5 of 10 periods throttled');
    assert.equal(counter(ContainerMetric.memoryLimitHits), 3);
    assert.equal(counter(ContainerMetric.memoryOomKills), 1);
    assert.equal(gauge(ContainerMetric.cpuQuotaCores), 0.2);
    assert.equal(gauge(ContainerMetric.cpuQuotaUtilization), 0.5);
    assert.equal(gauge(ContainerMetric.memoryLimitBytes), 256 * MiB);
    assert.equal(gauge(ContainerMetric.memoryUsageBytes), 200 * MiB);
    assert.equal(gauge(ContainerMetric.memoryWorkingSetBytes), 180 * MiB);
    for (const name of [NodeMemoryMetric.nativeContexts, NodeMemoryMetric.detachedContexts, NodeMemoryMetric.mallocedBytes, NodeMemoryMetric.arrayBuffersBytes]) {
      assert.ok(Number.isFinite(gauge(name)), name);
    }
    assert.ok(gauge(NodeMemoryMetric.nativeContexts)! >= 1);
    if (process.platform === 'linux') {
      assert.ok(gauge(NodeMemoryMetric.openFds)! >= 3, 'stdio at least');
      assert.ok(gauge(NodeMemoryMetric.maxFds)! >= gauge(NodeMemoryMetric.openFds)!);
    }

    // Nothing changed: zero deltas; a cgroup counter that went backwards (recreated) counts from zero.
    now += 1000;
    writeFileSync(join(root, APP, 'cpu.stat'), v2CpuStat(3, 1, 100));
    collector.collect(aggregator);
    const t = aggregator.swap();
    assert.equal(t.counters.get(ContainerMetric.cpuPeriods)?.value, 3);
    assert.equal(t.counters.get(ContainerMetric.memoryLimitHits)?.value, 0);
    assert.equal(t.gauges.get(ContainerMetric.cpuQuotaUtilization)?.value, 0);
    collector.disable();
    collector.collect(aggregator);
    assert.equal(aggregator.size, 0, 'nothing after disable');
  });

  test('no limit: no limit gauge, no quota figures; outside any cgroup only Node\'s side is written', () => {
    const unlimited = new ContainerCollector({ files: filesBelow(fixture('max\n')), warnings: new ContainerWarnings({ write: () => undefined }, true, {}) });
    const none = new ContainerCollector({ files: filesBelow(writeTree({})), warnings: new ContainerWarnings({ write: () => undefined }, true, {}) });
    for (const [collector, expectCgroup] of [[unlimited, true], [none, false]] as const) {
      const aggregator = new Aggregator();
      collector.enable();
      collector.collect(aggregator);
      const names = [...aggregator.swap().gauges.keys()];
      assert.equal(names.includes(ContainerMetric.memoryLimitBytes), false);
      assert.equal(names.includes(ContainerMetric.memoryUsageBytes), expectCgroup);
      assert.ok(names.includes(NodeMemoryMetric.nativeContexts));
    }
  });

  test('the heap limit warning names this process\'s real V8 limit', async () => {
    const lines: string[] = [];
    const collector = new ContainerCollector({ files: filesBelow(fixture(`${16 * MiB}\n`)), warnings: new ContainerWarnings({ write: (l) => lines.push(l) }, true, {}) });
    collector.enable();
    await new Promise((resolve) => setTimeout(resolve, 5));
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /container's memory limit \(16\.0 MiB\)\. Consider|container's memory limit \(16\.0 MiB\):/);
    assert.match(lines[0]!, /--max-old-space-size=12 /);
  });
});

describe('heap after the last full GC', () => {
  test('is sampled from the GC observer on a mark-sweep, not on a scavenge, and reported as a gauge', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as (options?: { type?: 'major' | 'minor' }) => void;
    const observer = new GcCollector();
    observer.enable();
    const before = heapAfterLastFullGc();
    gc({ type: 'minor' });
    await new Promise((resolve) => setTimeout(resolve, 20));
    observer.collect(new Aggregator());
    assert.equal(heapAfterLastFullGc(), before, 'a scavenge leaves it alone');
    let garbage: unknown[] | undefined = Array.from({ length: 50_000 }, (_, i) => ({ i }));
    garbage = undefined;
    gc(); // a full mark-sweep (Node 20 reports gc({ type: 'major' }) as a scavenge)
    await new Promise((resolve) => setTimeout(resolve, 20));
    observer.collect(new Aggregator());
    observer.disable();
    const after = heapAfterLastFullGc();
    assert.ok(after !== undefined && after > 0 && after < getHeapStatistics().total_heap_size * 2, String(after));
    assert.notEqual(after, before);
    const collector = new ContainerCollector({ files: filesBelow(writeTree({})), warnings: new ContainerWarnings({ write: () => undefined }, true, {}) });
    const aggregator = new Aggregator();
    collector.enable();
    collector.collect(aggregator);
    assert.equal(aggregator.swap().gauges.get(NodeMemoryMetric.heapAfterGcBytes)?.value, after);
    void garbage;
  });
});

describe('start cost', () => {
  // Regression: reading the cgroup inside enable() delayed the runtime sampler's enables under
  // load, so event-loop time counted from the earlier collectors' enable outran the interval.
  test('enable() reads no file; the cgroup is read just after, or at the first collect at the latest', async () => {
    const root = fixture(`${256 * MiB}\n`);
    const real = filesBelow(root);
    let reads = 0;
    const files = { read: (path: string) => { reads++; return real.read(path); }, count: real.count };
    const warnings = new ContainerWarnings({ write: () => undefined }, true, {});
    const early = new ContainerCollector({ files, warnings });
    early.enable();
    assert.equal(reads, 0);
    await new Promise((resolve) => setTimeout(resolve, 5));
    assert.ok(reads > 0, 'read just after start');
    assert.equal(early.limits.memoryLimitBytes, 256 * MiB);
    const eager = new ContainerCollector({ files: real, warnings });
    eager.enable();
    const aggregator = new Aggregator();
    eager.collect(aggregator);
    assert.equal(aggregator.swap().gauges.get(ContainerMetric.memoryLimitBytes)?.value, 256 * MiB, 'a collect before the timer reads it itself');
    early.disable();
    eager.disable();
  });

  test('a process that ends before its first turn reads each counter file once at its only collect', () => {
    const root = fixture(`${256 * MiB}\n`);
    const real = filesBelow(root);
    const reads = new Map<string, number>();
    const files = { read: (path: string) => { reads.set(path, (reads.get(path) ?? 0) + 1); return real.read(path); }, count: real.count };
    const collector = new ContainerCollector({ files, warnings: new ContainerWarnings({ write: () => undefined }, true, {}) });
    collector.enable();
    const aggregator = new Aggregator();
    collector.collect(aggregator);
    collector.disable();
    // cpu.stat and memory.current are also read once while locating the cgroup (is the controller here?).
    assert.equal(reads.get(`${APP}/cpu.stat`), 2);
    assert.equal(reads.get(`${APP}/memory.current`), 2);
    assert.equal(reads.get(`${APP}/memory.stat`), 1);
    assert.equal(reads.get(`${APP}/memory.events`), 1);
    const snapshot = aggregator.swap();
    assert.equal(snapshot.gauges.get(ContainerMetric.memoryUsageBytes)?.value, 200 * MiB, 'usage from that one read');
    assert.equal(snapshot.gauges.get(ContainerMetric.memoryWorkingSetBytes)?.value, 180 * MiB);
    assert.equal(snapshot.counters.get(ContainerMetric.cpuThrottledPeriods)?.value ?? 0, 0, 'no interval elapsed: no throttling counted');
  });
});

test('the host\'s memory comes from /proc/meminfo (os.totalmem()\'s own source), so a limit above it reads as no limit; without procfs, os.totalmem()', async () => {
  const { hostMemory } = await import('../src/container/node-memory.js');
  const { totalmem } = await import('node:os');
  const root = fixture(`${2048 * MiB}\n`);
  writeFileSync(join(root, 'proc/meminfo'), `MemTotal:        ${1024 * 1024} kB\nMemFree:          1000 kB\n`);
  assert.equal(hostMemory(filesBelow(root)), 1024 * MiB);
  const collector = new ContainerCollector({ files: filesBelow(root), warnings: new ContainerWarnings({ write: () => undefined, now: () => 0 }, false, {}) });
  collector.enable();
  const aggregator = new Aggregator();
  collector.collect(aggregator);
  collector.disable();
  assert.equal(collector.limits.memoryLimitBytes, null, 'a 2 GiB limit on a 1 GiB host is no limit');
  assert.equal(hostMemory(filesBelow(fixture(`${256 * MiB}\n`))), totalmem(), 'no /proc/meminfo in the tree');
  if (process.platform === 'linux') assert.equal(hostMemory(filesBelow()), totalmem(), 'the same figure as os.totalmem() on this machine');
});
