import type { ContainerFiles } from './files.js';

/** Where one controller's files are for this process, and in which cgroup version's format. */
export interface ControllerDir {
  readonly version: 1 | 2;
  /** The process's own cgroup directory (counters are read here). */
  readonly dir: string;
  /** That directory and its ancestors up to the mount point, own first (limits: the tightest wins). */
  readonly chain: readonly string[];
}

/** The process's cpu and memory cgroup directories; a controller absent from both versions is left out. */
export interface CgroupDirs {
  readonly cpu?: ControllerDir;
  readonly memory?: ControllerDir;
}

interface Mount { readonly root: string; readonly point: string; readonly fstype: string; readonly options: readonly string[] }

/**
 * Finds the process's cgroup for the cpu and memory controllers: `/proc/self/cgroup` names the
 * cgroup path per hierarchy, `/proc/self/mountinfo` where each hierarchy is mounted. A cgroup v1
 * hierarchy carrying the controller wins; otherwise the v2 (unified) hierarchy, when it has the
 * controller's files (a hybrid host mounts cgroup2 without controllers). In a cgroup namespace
 * `/proc/self/cgroup` says `/` and the mount's root is the cgroup itself: the mount point is the
 * directory. Returns `{}` outside Linux or any cgroup.
 */
export function locateCgroup(files: ContainerFiles): CgroupDirs {
  const cgroupText = files.read('/proc/self/cgroup');
  const mountText = files.read('/proc/self/mountinfo');
  if (cgroupText === undefined || mountText === undefined) return {};
  const mounts = parseMountinfo(mountText);
  const lines = cgroupText.split('\n').filter((line) => line !== '').map((line) => {
    const first = line.indexOf(':');
    const second = line.indexOf(':', first + 1);
    return { id: line.slice(0, first), controllers: line.slice(first + 1, second).split(','), path: line.slice(second + 1) };
  });
  const find = (controller: 'cpu' | 'memory', v2File: string): ControllerDir | undefined => {
    const v1 = lines.find((line) => line.controllers.includes(controller));
    const v1Mount = mounts.find((mount) => mount.fstype === 'cgroup' && mount.options.includes(controller));
    if (v1 && v1Mount) return controllerDir(1, v1Mount, v1.path);
    const v2 = lines.find((line) => line.id === '0' && line.controllers.join('') === '');
    const v2Mount = mounts.find((mount) => mount.fstype === 'cgroup2');
    if (v2 && v2Mount) {
      const found = controllerDir(2, v2Mount, v2.path);
      // The controller may be enabled only above us (limits) or only at our level (counters).
      if (found.chain.some((dir) => files.read(`${dir}/${v2File}`) !== undefined)) return found;
    }
    return undefined;
  };
  const cpu = find('cpu', 'cpu.stat');
  const memory = find('memory', 'memory.current');
  return { ...(cpu ? { cpu } : {}), ...(memory ? { memory } : {}) };
}

/**
 * The cgroup mounts' fields that matter: root (4th), mount point (5th), and after ` - `, type and
 * super options. Other mounts (a host's dozens of them) are passed over before any field is split.
 */
export function parseMountinfo(text: string): Mount[] {
  const mounts: Mount[] = [];
  for (const line of text.split('\n')) {
    const dash = line.indexOf(' - ');
    if (dash < 0 || !line.startsWith('cgroup', dash + 3)) continue;
    const before = line.slice(0, dash).split(' ');
    const after = line.slice(dash + 3).split(' ');
    const root = before[3];
    const point = before[4];
    const fstype = after[0];
    if (root === undefined || point === undefined || fstype === undefined) continue;
    mounts.push({ root: unescape(root), point: unescape(point), fstype, options: (after[2] ?? '').split(',') });
  }
  return mounts;
}

/** mountinfo escapes space, tab, newline and backslash as `\ooo`. */
function unescape(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
}

function controllerDir(version: 1 | 2, mount: Mount, path: string): ControllerDir {
  // The cgroup path is relative to the hierarchy's root; the mount shows the subtree below
  // `mount.root`. Inside a namespace (path '/') or a container that mounts only its own
  // cgroup (path outside the mount's root) the mount point itself is the directory.
  let relative: string;
  if (mount.root === '/') relative = path;
  else if (path === mount.root || path.startsWith(`${mount.root}/`)) relative = path.slice(mount.root.length);
  else relative = '/';
  const parts = relative.split('/').filter((part) => part !== '' && part !== '..');
  const chain: string[] = [];
  for (let depth = parts.length; depth >= 0; depth--) {
    const below = parts.slice(0, depth).join('/');
    chain.push(below === '' ? mount.point : `${mount.point}/${below}`);
  }
  return { version, dir: chain[0]!, chain };
}
