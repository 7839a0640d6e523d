/**
 * What prom-client reads from /proc on Linux, read the same way: memory from /proc/self/status,
 * open descriptors by listing /proc/self/fd, the descriptor limit once from /proc/self/limits.
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

/** Releases the descriptor kept on /proc/self/status (when the exporter stops). */
export function closeProcFiles(): void {
  status.close();
}

/** Open file descriptors, not counting the one the listing itself used, nor those hmetrics keeps open. */
export function readOpenFds(): number | undefined {
  if (!LINUX) return undefined;
  try {
    return fs().readdirSync('/proc/self/fd').length - 1 - keptDescriptors();
  } catch {
    return undefined;
  }
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
