import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { keyed, readCounters, readLimits } from '../src/container/cgroup.js';
import { filesBelow } from '../src/container/files.js';
import { locateCgroup } from '../src/container/locate.js';
import {
  removeTree, ROOT_MOUNT, V1_MOUNTS, V1_UNLIMITED, v1CpuStat, v1MemoryStat, v1OomControl, V2_MOUNT, v2CpuStat, v2MemoryEvents, v2MemoryStat,
  writeTree, type Tree,
} from './helpers/cgroup-fixture.js';

const MiB = 1024 * 1024;
const HOST = 8 * 1024 * MiB;
const roots: string[] = [];
after(() => { for (const root of roots) removeTree(root); });

/** Locates, then reads limits and counters over a fixture tree on disk. */
function read(tree: Tree) {
  const root = writeTree(tree);
  roots.push(root);
  const files = filesBelow(root);
  const dirs = locateCgroup(files);
  return { dirs, limits: readLimits(files, dirs, HOST), counters: readCounters(files, dirs) };
}

const APP = '/sys/fs/cgroup/system.slice/app.service';

describe('cgroup v2', () => {
  test('limited and throttled: quota in cores, limit, counters, working set = usage − inactive_file', () => {
    const { dirs, limits, counters } = read({
      '/proc/self/cgroup': '0::/system.slice/app.service\n',
      '/proc/self/mountinfo': ROOT_MOUNT + V2_MOUNT,
      [`${APP}/cpu.max`]: '50000 100000\n',
      [`${APP}/cpu.stat`]: v2CpuStat(1200, 345, 6789012),
      [`${APP}/memory.max`]: '536870912\n',
      [`${APP}/memory.current`]: '314572800\n',
      [`${APP}/memory.stat`]: v2MemoryStat(41943040),
      [`${APP}/memory.events`]: v2MemoryEvents(17, 2),
    });
    assert.equal(dirs.cpu?.dir, APP);
    assert.deepEqual(limits, { version: 2, cpuQuotaCores: 0.5, cpuQuotaUs: 50000, cpuPeriodUs: 100000, memoryLimitBytes: 512 * MiB });
    assert.deepEqual(counters, {
      cpuPeriods: 1200, cpuThrottledPeriods: 345, cpuThrottledUs: 6789012,
      memoryUsageBytes: 314572800, memoryWorkingSetBytes: 314572800 - 41943040, limitHits: 17, oomKills: 2,
    });
  });

  test('unlimited: `max` quota and memory give no quota and "no limit" (null)', () => {
    const { limits, counters } = read({
      '/proc/self/cgroup': '0::/system.slice/app.service\n',
      '/proc/self/mountinfo': ROOT_MOUNT + V2_MOUNT,
      [`${APP}/cpu.max`]: 'max 100000\n',
      [`${APP}/cpu.stat`]: v2CpuStat(0, 0, 0),
      [`${APP}/memory.max`]: 'max\n',
      [`${APP}/memory.current`]: '1048576\n',
    });
    assert.deepEqual(limits, { version: 2, memoryLimitBytes: null });
    assert.equal(counters.cpuPeriods, 0);
    assert.equal(counters.memoryWorkingSetBytes, undefined, 'no memory.stat: no working set, no error');
  });

  test('a limit above the host\'s memory is no limit', () => {
    const { limits } = read({
      '/proc/self/cgroup': '0::/a\n',
      '/proc/self/mountinfo': V2_MOUNT,
      '/sys/fs/cgroup/a/memory.max': `${HOST + 1}\n`,
      '/sys/fs/cgroup/a/memory.current': '1\n',
    });
    assert.equal(limits.memoryLimitBytes, null);
  });

  test('nested: the tightest limit of the cgroup and its ancestors wins; counters come from the own cgroup', () => {
    const pod = '/sys/fs/cgroup/kubepods.slice/pod1';
    const { limits, counters, dirs } = read({
      '/proc/self/cgroup': '0::/kubepods.slice/pod1/ctr\n',
      '/proc/self/mountinfo': V2_MOUNT,
      [`${pod}/cpu.max`]: '20000 100000\n',
      [`${pod}/memory.max`]: '268435456\n',
      [`${pod}/ctr/cpu.max`]: 'max 100000\n',
      [`${pod}/ctr/memory.max`]: '1073741824\n',
      [`${pod}/ctr/cpu.stat`]: v2CpuStat(10, 4, 1000),
      [`${pod}/ctr/memory.current`]: '2097152\n',
      [`${pod}/cpu.stat`]: v2CpuStat(999, 999, 999),
    });
    assert.deepEqual(dirs.cpu?.chain, [`${pod}/ctr`, pod, '/sys/fs/cgroup/kubepods.slice', '/sys/fs/cgroup']);
    assert.equal(limits.cpuQuotaCores, 0.2);
    assert.equal(limits.memoryLimitBytes, 256 * MiB);
    assert.equal(counters.cpuThrottledPeriods, 4);
  });

  test('cgroup namespace: /proc/self/cgroup says `/`, the mount point is the cgroup', () => {
    const { dirs, limits } = read({
      '/proc/self/cgroup': '0::/\n',
      '/proc/self/mountinfo': '1021 1016 0:30 / /sys/fs/cgroup ro,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 rw,nsdelegate\n',
      '/sys/fs/cgroup/cpu.max': '100000 100000\n',
      '/sys/fs/cgroup/cpu.stat': v2CpuStat(1, 0, 0),
      '/sys/fs/cgroup/memory.max': '134217728\n',
      '/sys/fs/cgroup/memory.current': '1\n',
    });
    assert.equal(dirs.memory?.dir, '/sys/fs/cgroup');
    assert.deepEqual([limits.cpuQuotaCores, limits.memoryLimitBytes], [1, 128 * MiB]);
  });

  test('a cgroup path outside the mount\'s root (a container that mounts only its own cgroup) reads the mount point', () => {
    const { dirs } = read({
      '/proc/self/cgroup': '0::/../../other\n',
      '/proc/self/mountinfo': '1021 1016 0:30 /docker/abc /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n',
      '/sys/fs/cgroup/cpu.stat': v2CpuStat(1, 0, 0),
    });
    assert.equal(dirs.cpu?.dir, '/sys/fs/cgroup');
  });
});

describe('cgroup v1', () => {
  const CPU = '/sys/fs/cgroup/cpu,cpuacct/docker/abc';
  const MEM = '/sys/fs/cgroup/memory/docker/abc';
  const cgroup = '12:memory:/docker/abc\n11:cpu,cpuacct:/docker/abc\n1:name=systemd:/docker/abc\n0::/docker/abc\n';

  test('limited and throttled: cfs quota ÷ period, throttled_time ns → µs, failcnt, oom_kill, total_inactive_file', () => {
    const { limits, counters } = read({
      '/proc/self/cgroup': cgroup,
      '/proc/self/mountinfo': ROOT_MOUNT + V1_MOUNTS,
      [`${CPU}/cpu.cfs_quota_us`]: '150000\n',
      [`${CPU}/cpu.cfs_period_us`]: '100000\n',
      [`${CPU}/cpu.stat`]: v1CpuStat(800, 200, 4500000000),
      [`${MEM}/memory.limit_in_bytes`]: '268435456\n',
      [`${MEM}/memory.usage_in_bytes`]: '209715200\n',
      [`${MEM}/memory.stat`]: v1MemoryStat(1048576, 31457280),
      [`${MEM}/memory.failcnt`]: '42\n',
      [`${MEM}/memory.oom_control`]: v1OomControl(3),
      // The unified hierarchy of a hybrid host holds no controller files: not used.
      '/sys/fs/cgroup/unified/docker/abc/cgroup.procs': '1\n',
    });
    assert.deepEqual(limits, { version: 1, cpuQuotaCores: 1.5, cpuQuotaUs: 150000, cpuPeriodUs: 100000, memoryLimitBytes: 256 * MiB });
    assert.deepEqual(counters, {
      cpuPeriods: 800, cpuThrottledPeriods: 200, cpuThrottledUs: 4500000,
      memoryUsageBytes: 209715200, memoryWorkingSetBytes: 209715200 - 31457280, limitHits: 42, oomKills: 3,
    });
  });

  test('unlimited: quota -1 and page-rounded LONG_MAX', () => {
    const { limits } = read({
      '/proc/self/cgroup': cgroup,
      '/proc/self/mountinfo': V1_MOUNTS,
      [`${CPU}/cpu.cfs_quota_us`]: '-1\n',
      [`${CPU}/cpu.cfs_period_us`]: '100000\n',
      [`${MEM}/memory.limit_in_bytes`]: V1_UNLIMITED,
    });
    assert.deepEqual(limits, { version: 1, memoryLimitBytes: null });
  });

  test('docker without a cgroup namespace: the mount\'s root is the container\'s cgroup', () => {
    const { dirs, limits } = read({
      '/proc/self/cgroup': cgroup,
      '/proc/self/mountinfo': '40 35 0:29 /docker/abc /sys/fs/cgroup/memory ro,nosuid - cgroup cgroup rw,memory\n',
      '/sys/fs/cgroup/memory/memory.limit_in_bytes': '104857600\n',
    });
    assert.equal(dirs.memory?.dir, '/sys/fs/cgroup/memory');
    assert.equal(dirs.cpu, undefined, 'no cpu hierarchy mounted: no cpu figures');
    assert.equal(limits.memoryLimitBytes, 100 * MiB);
  });

  test('a mount point with a space is unescaped', () => {
    const { dirs } = read({
      '/proc/self/cgroup': '4:memory:/x\n',
      '/proc/self/mountinfo': '40 35 0:29 / /sys/fs/cgroup/my\\040mem rw - cgroup cgroup rw,memory\n',
    });
    assert.equal(dirs.memory?.dir, '/sys/fs/cgroup/my mem/x');
  });
});

describe('nothing to read', () => {
  test('no /proc (not Linux, or a sandbox): no directories, no limits, no counters, no error', () => {
    assert.deepEqual(read({ '/etc/hostname': 'x\n' }), { dirs: {}, limits: {}, counters: {} });
  });

  test('hybrid host with no cgroup-v1 controller and a controller-less unified hierarchy: nothing', () => {
    assert.deepEqual(read({ '/proc/self/cgroup': '0::/user.slice\n', '/proc/self/mountinfo': V2_MOUNT }).dirs, {});
  });

  test('garbage in the files reads as missing', () => {
    const { limits, counters } = read({
      '/proc/self/cgroup': '0::/a\n',
      '/proc/self/mountinfo': V2_MOUNT,
      '/sys/fs/cgroup/a/cpu.max': 'lots 0\n',
      '/sys/fs/cgroup/a/cpu.stat': 'nr_periods many\nnr_throttled\n',
      '/sys/fs/cgroup/a/memory.max': '12abc\n',
      '/sys/fs/cgroup/a/memory.current': '\n',
    });
    assert.deepEqual(limits, { version: 2 });
    assert.deepEqual(counters, {});
  });
});

test('keyed reads the value on its own key\'s line only: not a longer key ending in it, first and last lines, no newline at the end', () => {
  const stat = 'inactive_file 7\ntotal_inactive_file 300\nmax_usage 9\nmax 2\noom_kill  5 \nbad x1\nlast 42';
  assert.equal(keyed(stat, 'inactive_file'), 7, 'the first line');
  assert.equal(keyed(stat, 'total_inactive_file'), 300);
  assert.equal(keyed('total_inactive_file 300\n', 'inactive_file'), undefined, 'a longer key ending in it is another key');
  assert.equal(keyed(stat, 'max'), 2, 'not max_usage');
  assert.equal(keyed(stat, 'oom_kill'), 5, 'spaces around the value');
  assert.equal(keyed(stat, 'last'), 42, 'the last line, no newline after it');
  assert.equal(keyed(stat, 'bad'), undefined, 'not an integer');
  assert.equal(keyed(stat, 'missing'), undefined);
  assert.equal(keyed(undefined, 'max'), undefined);
});
