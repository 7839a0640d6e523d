import type { ContainerFiles } from './files.js';
import type { CgroupDirs } from './locate.js';

/** The container's limits, read once at start. A field is absent when the kernel does not say. */
export interface CgroupLimits {
  /** 1 or 2: the format of the cpu controller's files, else of the memory controller's. */
  readonly version?: 1 | 2;
  /** CPU quota in cores (quota ÷ period); absent when unlimited. The tightest of the cgroup and its ancestors. */
  readonly cpuQuotaCores?: number;
  /** The quota and period behind `cpuQuotaCores`, µs (cAdvisor's `container_spec_cpu_quota` / `_period`). */
  readonly cpuQuotaUs?: number;
  readonly cpuPeriodUs?: number;
  /**
   * Memory limit, bytes; `null` means "no limit" (unlimited, or larger than the host's memory,
   * which is how cgroup v1 spells unlimited). The tightest of the cgroup and its ancestors.
   */
  readonly memoryLimitBytes?: number | null;
}

/** Cumulative counters and current levels of the process's own cgroup, read each interval. */
export interface CgroupCounters {
  /** Enforcement periods elapsed (`nr_periods`). */
  readonly cpuPeriods?: number;
  /** Periods in which the cgroup was throttled (`nr_throttled`). */
  readonly cpuThrottledPeriods?: number;
  /** Time the cgroup's tasks were throttled, µs (`throttled_usec`, or v1 `throttled_time` ns ÷ 1000). */
  readonly cpuThrottledUs?: number;
  /** Memory charged to the cgroup, bytes (`memory.current` / `memory.usage_in_bytes`). */
  readonly memoryUsageBytes?: number;
  /** Usage minus inactive file cache, bytes: what the OOM killer and kubelet judge. */
  readonly memoryWorkingSetBytes?: number;
  /** Times the OOM killer killed a task of the cgroup (`oom_kill`). */
  readonly oomKills?: number;
  /** Times usage hit the limit: v2 `memory.events` `max`, v1 `memory.failcnt`. */
  readonly limitHits?: number;
}

/** v1 writes this (page-rounded LONG_MAX) for "unlimited"; anything above the host's memory is the same. */
const HOST_CEILING_FALLBACK = Number.MAX_SAFE_INTEGER;

/** Reads the limits of the located cgroup. `hostMemory` (bytes): a limit above it is no limit. */
export function readLimits(files: ContainerFiles, dirs: CgroupDirs, hostMemory = HOST_CEILING_FALLBACK): CgroupLimits {
  const version = dirs.cpu?.version ?? dirs.memory?.version;
  let quota: Quota | undefined;
  for (const dir of dirs.cpu?.chain ?? []) {
    const found = dirs.cpu!.version === 2 ? cpuMax(files.read(`${dir}/cpu.max`)) : v1Quota(files, dir);
    if (found !== undefined && (quota === undefined || found.quotaUs / found.periodUs < quota.quotaUs / quota.periodUs)) quota = found;
  }
  let memoryLimitBytes: number | null | undefined;
  for (const dir of dirs.memory?.chain ?? []) {
    const file = dirs.memory!.version === 2 ? 'memory.max' : 'memory.limit_in_bytes';
    const text = files.read(`${dir}/${file}`)?.trim();
    if (text === undefined) continue;
    const bytes = text === 'max' ? null : integer(text);
    if (bytes === undefined) continue;
    const limit = bytes === null || bytes >= hostMemory ? null : bytes;
    if (limit !== null && (memoryLimitBytes == null || limit < memoryLimitBytes)) memoryLimitBytes = limit;
    else memoryLimitBytes ??= null;
  }
  return {
    ...(version !== undefined ? { version } : {}),
    ...(quota !== undefined ? { cpuQuotaCores: quota.quotaUs / quota.periodUs, cpuQuotaUs: quota.quotaUs, cpuPeriodUs: quota.periodUs } : {}),
    ...(memoryLimitBytes !== undefined ? { memoryLimitBytes } : {}),
  };
}

/** Reads the counters of the process's own cgroup. */
export function readCounters(files: ContainerFiles, dirs: CgroupDirs): CgroupCounters {
  // Read every interval: through descriptors kept open where the files allow it.
  const read = (path: string): string | undefined => (files.reread ? files.reread(path) : files.read(path));
  const counters: { -readonly [K in keyof CgroupCounters]: CgroupCounters[K] | undefined } = {};
  const cpu = dirs.cpu;
  if (cpu) {
    const stat = read(`${cpu.dir}/cpu.stat`);
    counters.cpuPeriods = keyed(stat, 'nr_periods');
    counters.cpuThrottledPeriods = keyed(stat, 'nr_throttled');
    const ns = keyed(stat, 'throttled_time');
    counters.cpuThrottledUs = cpu.version === 2 ? keyed(stat, 'throttled_usec') : ns === undefined ? undefined : Math.round(ns / 1000);
  }
  const memory = dirs.memory;
  if (memory) {
    const v2 = memory.version === 2;
    const usage = integer(read(`${memory.dir}/${v2 ? 'memory.current' : 'memory.usage_in_bytes'}`)?.trim());
    counters.memoryUsageBytes = usage;
    const stat = read(`${memory.dir}/memory.stat`);
    // v1 has both the cgroup's own inactive_file and the hierarchical total_inactive_file;
    // usage_in_bytes is hierarchical, so the total is the one to subtract (as cAdvisor does).
    const inactive = v2 ? keyed(stat, 'inactive_file') : keyed(stat, 'total_inactive_file') ?? keyed(stat, 'inactive_file');
    if (usage !== undefined && inactive !== undefined) counters.memoryWorkingSetBytes = Math.max(0, usage - inactive);
    if (v2) {
      const events = read(`${memory.dir}/memory.events`);
      counters.limitHits = keyed(events, 'max');
      counters.oomKills = keyed(events, 'oom_kill');
    } else {
      counters.limitHits = integer(read(`${memory.dir}/memory.failcnt`)?.trim());
      counters.oomKills = keyed(read(`${memory.dir}/memory.oom_control`), 'oom_kill');
    }
  }
  for (const key of Object.keys(counters) as (keyof CgroupCounters)[]) if (counters[key] === undefined) delete counters[key];
  return counters as CgroupCounters;
}

interface Quota { readonly quotaUs: number; readonly periodUs: number }

/** v2 `cpu.max`: `"<quota> <period>"` in µs, quota `max` when unlimited. */
function cpuMax(text: string | undefined): Quota | undefined {
  if (text === undefined) return undefined;
  const [quotaUs, periodUs] = text.trim().split(/\s+/);
  if (quotaUs === 'max') return undefined;
  return quotaOf(integer(quotaUs), integer(periodUs));
}

/** v1 `cpu.cfs_quota_us` and `cpu.cfs_period_us`; quota -1 when unlimited. */
function v1Quota(files: ContainerFiles, dir: string): Quota | undefined {
  return quotaOf(integer(files.read(`${dir}/cpu.cfs_quota_us`)?.trim()), integer(files.read(`${dir}/cpu.cfs_period_us`)?.trim()));
}

function quotaOf(quotaUs: number | undefined, periodUs: number | undefined): Quota | undefined {
  return quotaUs !== undefined && periodUs !== undefined && quotaUs > 0 && periodUs > 0 ? { quotaUs, periodUs } : undefined;
}

/**
 * The integer on `key`'s line of a `key value` per line file (`cpu.stat`, `memory.stat`,
 * `memory.events`, `memory.oom_control`), or undefined. Found by searching, not by parsing every
 * line into a map: memory.stat has ~40 lines of which one or two are read, every interval, and
 * splitting them all was most of a cold sample's container cost.
 */
export function keyed(text: string | undefined, key: string): number | undefined {
  if (text === undefined) return undefined;
  let start: number;
  if (text.startsWith(`${key} `)) {
    start = 0;
  } else {
    const found = text.indexOf(`\n${key} `);
    if (found < 0) return undefined;
    start = found + 1;
  }
  const end = text.indexOf('\n', start);
  return integer(text.slice(start + key.length + 1, end < 0 ? text.length : end).trim());
}

function integer(text: string | undefined): number | undefined {
  if (text === undefined || !/^-?\d+$/.test(text)) return undefined;
  return Number(text);
}
