import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Aggregator } from 'hmetrics';
import { ContainerCollector } from '../src/container/collector.js';
import { filesBelow } from '../src/container/files.js';
import { ContainerWarnings } from '../src/container/warnings.js';
import { ContainerMetric, NodeMemoryMetric } from '../src/metrics/names.js';
import { closeProcFiles, readOpenFds } from '../src/prometheus/process-files.js';
import { KeptFiles, keptDescriptors, readFileOnce } from '../src/util/kept-files.js';
import { removeTree, V2_MOUNT, v2CpuStat, v2MemoryEvents, v2MemoryStat, writeTree } from './helpers/cgroup-fixture.js';

const dir = mkdtempSync(join(tmpdir(), 'hmetrics-kept-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('KeptFiles', () => {
  test('re-reads a file from its start through one descriptor, whole even when longer than its buffer', () => {
    const path = join(dir, 'counter');
    writeFileSync(path, 'nr_periods 1\n');
    const files = new KeptFiles();
    const before = keptDescriptors();
    assert.equal(files.read(path), 'nr_periods 1\n');
    assert.equal(keptDescriptors(), before + 1, 'kept open');
    writeFileSync(path, 'nr_periods 22\n');
    assert.equal(files.read(path), 'nr_periods 22\n', 'the current content, not the first read');
    assert.equal(keptDescriptors(), before + 1, 'the same descriptor');
    const long = 'x'.repeat(40_000) + '\n';
    writeFileSync(path, long);
    assert.equal(files.read(path), long);
    assert.equal(files.read(join(dir, 'missing')), undefined);
    files.close();
    assert.equal(keptDescriptors(), before, 'closed');
    assert.equal(files.read(path), long, 'opens again after close');
    files.close();
  });

  test('a descriptor closed under it is forgotten: the read fails once, the next one opens the file afresh', { skip: process.platform !== 'linux' && 'no /proc/self/fd' }, () => {
    const path = join(dir, 'reopened');
    writeFileSync(path, 'usage_usec 5\n');
    const files = new KeptFiles();
    const before = keptDescriptors();
    assert.equal(files.read(path), 'usage_usec 5\n');
    const fd = readdirSync('/proc/self/fd').map(Number).find((n) => { try { return readlinkSync(`/proc/self/fd/${n}`) === path; } catch { return false; } });
    assert.ok(fd !== undefined, 'the kept descriptor is visible');
    closeSync(fd);
    assert.equal(files.read(path), undefined, 'the closed descriptor reads nothing');
    assert.equal(keptDescriptors(), before, 'and is no longer counted as kept');
    writeFileSync(path, 'usage_usec 6\n');
    assert.equal(files.read(path), 'usage_usec 6\n', 'opened afresh');
    assert.equal(keptDescriptors(), before + 1);
    files.close();
  });

  test('process_open_fds leaves out the descriptors hmetrics keeps', { skip: process.platform !== 'linux' && 'no /proc/self/fd' }, () => {
    const files = new KeptFiles();
    const open = readOpenFds();
    for (const name of ['a', 'b', 'c']) {
      writeFileSync(join(dir, name), name);
      assert.equal(files.read(join(dir, name)), name);
    }
    assert.equal(readOpenFds(), open);
    files.close();
  });
});

describe('ContainerCollector', () => {
  const APP = '/sys/fs/cgroup/app';
  test('keeps its counter files open between collects and closes them at disable; the figures stay the files\' current ones', () => {
    const root = writeTree({
      '/proc/self/cgroup': '0::/app\n',
      '/proc/self/mountinfo': V2_MOUNT,
      [`${APP}/cpu.max`]: '20000 100000\n',
      [`${APP}/cpu.stat`]: v2CpuStat(100, 10, 5000),
      [`${APP}/memory.max`]: '268435456\n',
      [`${APP}/memory.current`]: '1000\n',
      [`${APP}/memory.stat`]: v2MemoryStat(100),
      [`${APP}/memory.events`]: v2MemoryEvents(1, 0),
    });
    after(() => removeTree(root));
    const before = keptDescriptors();
    const collector = new ContainerCollector({ files: filesBelow(root), warnings: new ContainerWarnings({ write: () => undefined }, true, {}) });
    const aggregator = new Aggregator();
    collector.enable();
    collector.collect(aggregator);
    aggregator.swap();
    assert.equal(keptDescriptors(), before + 4, 'cpu.stat, memory.current, memory.stat, memory.events');
    writeFileSync(join(root, APP, 'cpu.stat'), v2CpuStat(107, 12, 5000));
    writeFileSync(join(root, APP, 'memory.current'), '5000\n');
    collector.collect(aggregator);
    const s = aggregator.swap();
    assert.equal(s.counters.get(ContainerMetric.cpuPeriods)?.value, 7);
    assert.equal(s.counters.get(ContainerMetric.cpuThrottledPeriods)?.value, 2);
    assert.equal(s.gauges.get(ContainerMetric.memoryUsageBytes)?.value, 5000);
    assert.equal(s.gauges.get(NodeMemoryMetric.openFds)?.value, readOpenFds());
    assert.equal(keptDescriptors(), before + 4, 'no descriptor opened per collect');
    collector.disable();
    assert.equal(keptDescriptors(), before, 'released at disable');
  });
});

describe('readFileOnce', () => {
  test('reads a file whole (longer than the shared buffer too), leaves no descriptor open, and says undefined for a missing one', () => {
    const path = join(dir, 'once');
    const long = 'y'.repeat(40_000) + '\n';
    writeFileSync(path, long);
    const open = (): number => readdirSync('/proc/self/fd').length;
    const before = process.platform === 'linux' ? open() : 0;
    assert.equal(readFileOnce(path), long);
    writeFileSync(path, 'max\n');
    assert.equal(readFileOnce(path), 'max\n');
    assert.equal(readFileOnce(join(dir, 'missing')), undefined);
    assert.equal(readFileOnce(dir), undefined, 'a directory reads as undefined');
    if (process.platform === 'linux') assert.equal(open(), before, 'every descriptor closed');
  });

  test('a procfs file (size 0 to stat) reads as readFileSync reads it', { skip: process.platform !== 'linux' && 'no procfs' }, () => {
    assert.equal(readFileOnce('/proc/self/limits'), readFileSync('/proc/self/limits', 'latin1'));
    assert.match(readFileOnce('/proc/self/mountinfo') ?? '', / - /);
  });
});

describe('process_open_fds', { skip: process.platform !== 'linux' && 'no /proc/self/fd' }, () => {
  test('counts each descriptor the app opens and closes, whether /proc/self/fd is stat-ed or listed', () => {
    const base = readOpenFds()!;
    const fds = ['x', 'y', 'z'].map((name) => {
      writeFileSync(join(dir, name), name);
      return openSync(join(dir, name), 'r');
    });
    assert.equal(readOpenFds(), base + 3);
    for (const fd of fds) closeSync(fd);
    assert.equal(readOpenFds(), base);
    closeProcFiles();
    assert.equal(readOpenFds(), base, 'the same after the kept descriptor was released and opened again');
  });

  test('a kept /proc/self/fd descriptor the app closed and reused is never read as ours', () => {
    readOpenFds();
    const mine = readdirSync('/proc/self/fd').filter((fd) => {
      try { return /^\/proc\/\d+\/fd$/.test(readlinkSync(`/proc/self/fd/${fd}`)); } catch { return false; }
    }).map(Number);
    if (mine.length === 0) return; // a kernel before 6.2: counted by listing, nothing kept
    for (const fd of mine) closeSync(fd);
    // The app's next files take the freed number; one of them has a size of its own.
    const path = join(dir, 'sized');
    writeFileSync(path, 'z'.repeat(4096));
    const opened: number[] = [];
    while (opened.length < 50 && !opened.includes(mine[0]!)) opened.push(openSync(path, 'r'));
    const truth = readdirSync('/proc/self/fd').length - 1 - keptDescriptors();
    assert.equal(readOpenFds(), truth, 'the reused descriptor is not stat-ed as /proc/self/fd');
    assert.equal(readOpenFds(), truth, 'and the count goes on right once a fresh one is kept');
    for (const fd of opened) closeSync(fd);
  });
});
