import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, test } from 'node:test';
import { PrometheusContainer } from '../src/prometheus/container-families.js';
import { FamilyList } from '../src/prometheus/family.js';
import { render } from '../src/prometheus/format.js';
import { filesBelow } from '../src/container/files.js';
import { parseExposition, valueOf } from './helpers/exposition.js';
import { removeTree, V1_MOUNTS, V1_UNLIMITED, v1CpuStat, v1MemoryStat, v1OomControl, writeTree } from './helpers/cgroup-fixture.js';

const roots: string[] = [];
after(() => { for (const root of roots) removeTree(root); });
const CPU = '/sys/fs/cgroup/cpu,cpuacct/docker/abc';
const MEM = '/sys/fs/cgroup/memory/docker/abc';

function scrape(memoryLimit: string): string {
  const root = writeTree({
    '/proc/self/cgroup': '12:memory:/docker/abc\n11:cpu,cpuacct:/docker/abc\n0::/docker/abc\n',
    '/proc/self/mountinfo': V1_MOUNTS,
    [`${CPU}/cpu.cfs_quota_us`]: '50000\n',
    [`${CPU}/cpu.cfs_period_us`]: '100000\n',
    [`${CPU}/cpu.stat`]: v1CpuStat(800, 200, 4_500_000_000),
    [`${MEM}/memory.limit_in_bytes`]: memoryLimit,
    [`${MEM}/memory.usage_in_bytes`]: '209715200\n',
    [`${MEM}/memory.stat`]: v1MemoryStat(0, 31457280),
    [`${MEM}/memory.failcnt`]: '42\n',
    [`${MEM}/memory.oom_control`]: v1OomControl(3),
  });
  roots.push(root);
  const list = new FamilyList();
  new PrometheusContainer(filesBelow(root)).collect(list);
  return render(list.families, 'text');
}

test('cgroup figures under cAdvisor\'s names: spec limits, CFS counters as totals, throttled time in seconds, working set', () => {
  const text = scrape('268435456\n');
  const parsed = parseExposition(text);
  assert.equal(valueOf(parsed, 'container_spec_memory_limit_bytes'), 268435456);
  assert.equal(valueOf(parsed, 'container_spec_cpu_quota'), 50000);
  assert.equal(valueOf(parsed, 'container_spec_cpu_period'), 100000);
  assert.equal(valueOf(parsed, 'container_cpu_cfs_periods_total'), 800);
  assert.equal(valueOf(parsed, 'container_cpu_cfs_throttled_periods_total'), 200);
  assert.equal(valueOf(parsed, 'container_cpu_cfs_throttled_seconds_total'), 4.5);
  assert.equal(valueOf(parsed, 'container_memory_usage_bytes'), 209715200);
  assert.equal(valueOf(parsed, 'container_memory_working_set_bytes'), 209715200 - 31457280);
  assert.equal(valueOf(parsed, 'container_memory_failcnt_total'), 42);
  assert.equal(valueOf(parsed, 'container_oom_events_total'), 3);
  assert.equal(parsed.types.get('container_cpu_cfs_throttled_periods_total'), 'counter');
  assert.ok(valueOf(parsed, 'nodejs_native_contexts')! >= 1);
  assert.equal(valueOf(parsed, 'nodejs_detached_contexts'), 0);
});

test('no limit reads 0, as cAdvisor says it', () => {
  assert.equal(valueOf(parseExposition(scrape(V1_UNLIMITED)), 'container_spec_memory_limit_bytes'), 0);
});

const promtool = spawnSync('promtool', ['--version'], { stdio: 'ignore' }).status === 0;
test('promtool check metrics finds nothing to say', { skip: promtool ? false : 'the `promtool` binary is not installed (Debian: apt-get install -y prometheus)' }, () => {
  const result = spawnSync('promtool', ['check', 'metrics'], { input: scrape('268435456\n'), encoding: 'utf8' });
  assert.equal(result.status, 0, result.stdout + result.stderr);
});
