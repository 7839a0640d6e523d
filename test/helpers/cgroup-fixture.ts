import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** A fixture tree: absolute paths as the kernel shows them → file contents. */
export type Tree = Readonly<Record<string, string>>;

/** Writes `tree` below a fresh temporary root and returns the root (remove it with `removeTree`). */
export function writeTree(tree: Tree): string {
  const root = mkdtempSync(join(tmpdir(), 'hmetrics-cgroup-'));
  for (const [path, text] of Object.entries(tree)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

export function removeTree(root: string): void {
  rmSync(root, { recursive: true, force: true });
}

// mountinfo lines as a systemd host writes them.
export const V2_MOUNT = '35 24 0:30 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n';
export const V1_MOUNTS = [
  '25 24 0:22 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755',
  '30 25 0:26 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup rw,cpu,cpuacct',
  '33 25 0:29 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:14 - cgroup cgroup rw,memory',
  '34 25 0:30 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 cgroup2 rw,nsdelegate',
].join('\n') + '\n';
export const ROOT_MOUNT = '22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n';

export function v2CpuStat(periods: number, throttled: number, throttledUs: number): string {
  return `usage_usec 8123456\nuser_usec 6000000\nsystem_usec 2123456\nnr_periods ${periods}\nnr_throttled ${throttled}\nthrottled_usec ${throttledUs}\nnr_bursts 0\nburst_usec 0\n`;
}

export function v2MemoryStat(inactiveFile: number): string {
  return `anon 104857600\nfile 52428800\nkernel 4194304\nkernel_stack 327680\npagetables 1048576\nsock 0\nshmem 0\nfile_mapped 10485760\nfile_dirty 0\nfile_writeback 0\nanon_thp 0\ninactive_anon 0\nactive_anon 104857600\ninactive_file ${inactiveFile}\nactive_file 20971520\nunevictable 0\n`;
}

export function v2MemoryEvents(max: number, oomKill: number): string {
  return `low 0\nhigh 0\nmax ${max}\noom ${oomKill}\noom_kill ${oomKill}\noom_group_kill 0\n`;
}

export function v1CpuStat(periods: number, throttled: number, throttledNs: number): string {
  return `nr_periods ${periods}\nnr_throttled ${throttled}\nthrottled_time ${throttledNs}\n`;
}

export function v1MemoryStat(inactiveFile: number, totalInactiveFile: number): string {
  return `cache 52428800\nrss 104857600\nrss_huge 0\nshmem 0\nmapped_file 10485760\ndirty 0\nwriteback 0\npgpgin 1000\npgpgout 500\npgfault 2000\npgmajfault 0\ninactive_anon 0\nactive_anon 104857600\ninactive_file ${inactiveFile}\nactive_file 20971520\nunevictable 0\nhierarchical_memory_limit 268435456\ntotal_cache 52428800\ntotal_rss 104857600\ntotal_inactive_file ${totalInactiveFile}\ntotal_active_file 20971520\n`;
}

export function v1OomControl(oomKill: number): string {
  return `oom_kill_disable 0\nunder_oom 0\noom_kill ${oomKill}\n`;
}

/** page-rounded LONG_MAX: cgroup v1's "unlimited". */
export const V1_UNLIMITED = '9223372036854771712\n';
