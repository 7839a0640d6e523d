/**
 * What prom-client reads from /proc on Linux, read the same way: memory from /proc/self/status,
 * open descriptors from /proc/self/fd (its size since Linux 6.2, else by listing it), the
 * descriptor limit once from /proc/self/limits.
 * Elsewhere these return undefined and the figures are left out (prom-client does the same).
 * node:fs is loaded at first use, not at import.
 */
import { fs, KeptFiles, keptDescriptors, readFileOnce } from '../util/kept-files.js';

const LINUX = process.platform === 'linux';

export interface ProcStatus { readonly rss: number; readonly virtual: number; readonly data: number }

// /proc/self/status stays open and is re-read from offset 0 (util/kept-files.ts): measured
// 2.9 µs a read, against 36 µs for readFileSync, most of which is the open. Its descriptor, like
// every one hmetrics keeps, is not counted in process_open_fds.
const status = new KeptFiles();

/** VmRSS, VmSize and VmData of /proc/self/status, bytes. */
export function readProcStatus(): ProcStatus | undefined {
  if (!LINUX) return undefined;
  const text = status.read('/proc/self/status');
  if (text === undefined) return undefined;
  const rss = field(text, 'VmRSS:');
  const virtual = field(text, 'VmSize:');
  const data = field(text, 'VmData:');
  if (rss === undefined || virtual === undefined || data === undefined) return undefined;
  return { rss, virtual, data };
}

function field(text: string, key: string): number | undefined {
  const at = text.indexOf(key);
  if (at < 0) return undefined;
  const kb = Number.parseInt(text.slice(at + key.length, text.indexOf('\n', at)).trim(), 10);
  return Number.isFinite(kb) ? kb * 1024 : undefined;
}

/** Releases the descriptors kept on /proc/self/status and /proc/self/fd (when the exporter stops). */
export function closeProcFiles(): void {
  status.close();
  releaseFdCount();
}

/** Open file descriptors, not counting the one the count itself used, nor those hmetrics keeps open. */
export function readOpenFds(): number | undefined {
  if (!LINUX) return undefined;
  const counted = countByStat();
  if (counted !== undefined) return counted - 1 - keptDescriptors();
  try {
    return fs().readdirSync('/proc/self/fd').length - 1 - keptDescriptors();
  } catch {
    return undefined;
  }
}

/**
 * /proc/self/fd kept open: since Linux 6.2 its size is the number of open descriptors, so one
 * fstat (~30 µs cold) replaces listing the directory (~85 µs, measured once a second in an idle
 * process). `null`: this kernel reports no size, the listing it is. The device and inode seen
 * at open tell a descriptor still ours from one the app closed and reused.
 */
let fdDir: { readonly fd: number; readonly dev: number; readonly ino: number } | null | undefined;

function countByStat(): number | undefined {
  if (fdDir === null) return undefined;
  try {
    if (fdDir === undefined) {
      const fd = fs().openSync('/proc/self/fd', 'r');
      const stat = fs().fstatSync(fd);
      if (!(stat.size > 0)) {
        fs().closeSync(fd);
        fdDir = null;
        return undefined;
      }
      fdDir = { fd, dev: stat.dev, ino: stat.ino };
      return stat.size;
    }
    const stat = fs().fstatSync(fdDir.fd);
    if (stat.dev === fdDir.dev && stat.ino === fdDir.ino && stat.size > 0) return stat.size;
  } catch {
    // closed under us: counted by listing, and opened afresh next time
  }
  // Not ours any more (closed, or reused by the app): forgotten, never closed.
  fdDir = undefined;
  return undefined;
}

/** Closes the descriptor kept on /proc/self/fd (a later count opens it again). */
export function releaseFdCount(): void {
  if (fdDir === undefined || fdDir === null) return;
  try { fs().closeSync(fdDir.fd); } catch { /* already closed */ }
  fdDir = undefined;
}

let maxFds: number | null | undefined;

/** The soft limit on open descriptors ("Max open files"), read once as prom-client does. */
export function readMaxFds(): number | undefined {
  if (maxFds === undefined) {
    maxFds = null;
    // Through the shared buffer (util/kept-files.ts): no 64 KiB buffer for a 1 KiB file.
    const line = readFileOnce('/proc/self/limits')?.split('\n').find((l) => l.startsWith('Max open files'));
    const value = Number(line?.split(/ {2,}/)[1]);
    // No procfs: left out.
    if (line !== undefined && Number.isFinite(value)) maxFds = value;
  }
  return maxFds ?? undefined;
}
