import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { filesBelow } from '../src/container/files.js';
import { locateCgroup, type ControllerDir } from '../src/container/locate.js';
import { ContainerMetric } from '../src/metrics/names.js';
import { PACKAGE_ROOT } from './helpers/child.js';
import { HerokuEndpoint } from './helpers/heroku-endpoint.js';

const MiB = 1024 * 1024;
const QUOTA_US = 20_000;
const PERIOD_US = 100_000;
const LIMIT = 256 * MiB;
const BUSY_MS = 1500;

/**
 * A child cgroup below this process's own (never moving this process anywhere), with a
 * 0.2-core quota and a 256 MiB limit; a busy `node --import hmetrics/onload` runs in it and its
 * final payload must say what the kernel says. Needs root, Linux and a writable hierarchy
 * (CI has them); skips with the reason elsewhere.
 */
function whyNot(): string | undefined {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'not root: cannot create a cgroup';
  if (!existsSync(join(PACKAGE_ROOT, 'dist/onload/index.js'))) return 'dist/onload/index.js is not built';
  const dirs = locateCgroup(filesBelow());
  if (!dirs.cpu || !dirs.memory) return `no cpu or memory controller for this process (${JSON.stringify(dirs)})`;
  return undefined;
}

/** Creates the child cgroup of one controller, enabling the controller for children on v2 when it must. */
function makeChild(controller: ControllerDir, name: string, kind: 'cpu' | 'memory'): string {
  if (controller.version === 2) {
    const enabled = readFileSync(join(controller.dir, 'cgroup.subtree_control'), 'latin1').split(/\s+/);
    // Allowed only where the v2 "no internal processes" rule lets it (no process in this cgroup
    // besides the root's); otherwise the write fails and the test skips.
    if (!enabled.includes(kind)) writeFileSync(join(controller.dir, 'cgroup.subtree_control'), `+${kind}`);
  }
  const dir = join(controller.dir, name);
  if (!existsSync(dir)) mkdirSync(dir);
  return dir;
}

test('real cgroup: a busy child under a 0.2-core quota and a 256 MiB limit reports what the kernel shows', async (t) => {
  const reason = whyNot();
  if (reason !== undefined) { t.skip(`real-cgroup test skipped: ${reason}`); return; }
  const dirs = locateCgroup(filesBelow());
  const name = `hmetrics-test-${process.pid}`;
  const made: string[] = [];
  const endpoint = await HerokuEndpoint.start();
  try {
    let cpu: string;
    let memory: string;
    try {
      cpu = makeChild(dirs.cpu!, name, 'cpu');
      made.push(cpu);
      memory = dirs.memory!.dir === dirs.cpu!.dir ? cpu : makeChild(dirs.memory!, name, 'memory');
      if (memory !== cpu) made.push(memory);
      if (dirs.cpu!.version === 2) writeFileSync(join(cpu, 'cpu.max'), `${QUOTA_US} ${PERIOD_US}`);
      else {
        writeFileSync(join(cpu, 'cpu.cfs_period_us'), String(PERIOD_US));
        writeFileSync(join(cpu, 'cpu.cfs_quota_us'), String(QUOTA_US));
      }
      writeFileSync(join(memory, dirs.memory!.version === 2 ? 'memory.max' : 'memory.limit_in_bytes'), String(LIMIT));
    } catch (error) {
      t.skip(`real-cgroup test skipped: cannot set up a child cgroup (${(error as Error).message})`);
      return;
    }
    // The shell moves itself (and so the node it becomes) into the child cgroups, then execs node.
    const moves = [...new Set([cpu, memory])].map((dir) => `echo $$ > '${join(dir, 'cgroup.procs')}'`).join(' && ');
    // Busy in 20 ms slices: onload starts its loop a turn after the import, so the spinning
    // must yield for hmetrics to start watching before most of it.
    const busy = `const end = Date.now() + ${BUSY_MS}; const spin = () => { const stop = Date.now() + 20; while (Date.now() < stop); if (Date.now() < end) setImmediate(spin); }; setImmediate(spin);`;
    const child = spawn('/bin/sh', ['-c', `${moves} && exec '${process.execPath}' --import ./dist/onload/index.js -e '${busy}'`], {
      cwd: PACKAGE_ROOT,
      env: { PATH: process.env['PATH'] ?? '', HMETRICS_URL: endpoint.url() },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (text: string) => { stderr += text; });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 0, stderr);
    assert.ok(endpoint.payloads.length >= 1, 'the exit flush delivered the interval');

    const kernelStat = new Map(readFileSync(join(cpu, 'cpu.stat'), 'latin1').trim().split('\n').map((l) => l.split(' ') as [string, string]));
    const kernelThrottled = Number(kernelStat.get('nr_throttled'));
    const kernelLimit = Number(readFileSync(join(memory, dirs.memory!.version === 2 ? 'memory.max' : 'memory.limit_in_bytes'), 'latin1'));
    const counters = new Map<string, number>();
    for (const payload of endpoint.payloads) {
      for (const [key, value] of Object.entries(payload.body.counters)) counters.set(key, (counters.get(key) ?? 0) + value);
    }
    const gauges = endpoint.payloads.at(-1)!.body.gauges;
    const reported = {
      quotaCores: gauges[ContainerMetric.cpuQuotaCores],
      limitBytes: gauges[ContainerMetric.memoryLimitBytes],
      throttledPeriods: counters.get(ContainerMetric.cpuThrottledPeriods),
      periods: counters.get(ContainerMetric.cpuPeriods),
      throttledUs: counters.get(ContainerMetric.cpuThrottledUs),
      quotaUtilization: gauges[ContainerMetric.cpuQuotaUtilization],
      workingSetBytes: gauges[ContainerMetric.memoryWorkingSetBytes],
      heapLimitBytes: gauges['node.memory.heap.limit.bytes'],
    };
    t.diagnostic(`kernel: quota ${QUOTA_US}/${PERIOD_US} µs, limit ${kernelLimit} B, nr_periods ${kernelStat.get('nr_periods')}, nr_throttled ${kernelThrottled}; reported: ${JSON.stringify(reported)}`);
    assert.equal(reported.quotaCores, QUOTA_US / PERIOD_US);
    assert.equal(reported.limitBytes, kernelLimit);
    // The kernel's count also covers the shell and node's start before hmetrics enabled.
    assert.ok(reported.throttledPeriods !== undefined && reported.throttledPeriods > 0 && reported.throttledPeriods <= kernelThrottled,
      `reported ${reported.throttledPeriods} of the kernel's ${kernelThrottled} throttled periods`);
    assert.ok(reported.throttledPeriods >= kernelThrottled / 2, 'most of the throttling happened while hmetrics watched');
    assert.ok(reported.throttledUs! > 0);
    assert.ok(reported.quotaUtilization! > 0.7, `a busy loop uses its whole quota, got ${reported.quotaUtilization}`);
    if (reported.heapLimitBytes! > kernelLimit) assert.match(stderr, /\[hmetrics\] warning: the V8 heap limit .* --max-old-space-size=192 /);
  } finally {
    await endpoint.close();
    for (const dir of made.reverse()) {
      try { rmdirSync(dir); } catch (error) { t.diagnostic(`could not remove ${dir}: ${(error as Error).message}`); }
    }
  }
});
