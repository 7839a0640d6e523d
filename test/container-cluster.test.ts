import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Aggregator } from 'hmetrics';
import { leaveCgroupToPrimary } from '../src/container/cluster.js';
import { ContainerCollector } from '../src/container/collector.js';
import { filesBelow } from '../src/container/files.js';
import { ContainerWarnings } from '../src/container/warnings.js';
import { ContainerMetric, NodeMemoryMetric } from '../src/metrics/names.js';
import { GAUGE_RULES } from '../src/topology/gauge-merge.js';
import { removeTree, V2_MOUNT, v2CpuStat, writeTree } from './helpers/cgroup-fixture.js';

const root = writeTree({
  '/proc/self/cgroup': '0::/app\n',
  '/proc/self/mountinfo': V2_MOUNT,
  '/sys/fs/cgroup/app/cpu.max': '20000 100000\n',
  '/sys/fs/cgroup/app/cpu.stat': v2CpuStat(100, 10, 5000),
  '/sys/fs/cgroup/app/memory.max': '268435456\n',
  '/sys/fs/cgroup/app/memory.current': '1048576\n',
});
after(() => removeTree(root));

function namesWritten(): string[] {
  const collector = new ContainerCollector({ files: filesBelow(root), warnings: new ContainerWarnings({ write: () => undefined }, true, {}) });
  const aggregator = new Aggregator();
  collector.enable();
  collector.collect(aggregator);
  const s = aggregator.swap();
  return [...s.counters.keys(), ...s.gauges.keys()];
}

test('a cluster worker whose primary reports leaves the shared cgroup\'s figures to it (summed, they would count N times)', () => {
  assert.ok(namesWritten().includes(ContainerMetric.cpuThrottledPeriods), 'before: the cgroup is read');
  leaveCgroupToPrimary();
  const names = namesWritten();
  assert.deepEqual(names.filter((name) => name.startsWith('node.container.')), []);
  assert.ok(names.includes(NodeMemoryMetric.nativeContexts), 'its own figures still go');
});

test('the primary merges the cgroup\'s gauges as one value and the processes\' own figures as a sum', () => {
  assert.equal(GAUGE_RULES[ContainerMetric.memoryLimitBytes], 'max');
  assert.equal(GAUGE_RULES[ContainerMetric.memoryWorkingSetBytes], 'max');
  assert.equal(GAUGE_RULES[NodeMemoryMetric.openFds], 'sum');
  assert.equal(GAUGE_RULES[NodeMemoryMetric.heapAfterGcBytes], 'sum');
});
