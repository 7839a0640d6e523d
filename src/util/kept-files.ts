/**
 * Files read again and again (procfs, cgroup counters): each is opened once and re-read from
 * offset 0 through the kept descriptor, as procfs and cgroupfs regenerate a file read from its
 * start (a regular file, as in the tests' fixture trees, reads its current content the same way).
 * Measured in an idle process sampled once a second: ~3–13 µs a read, against 20–160 µs for
 * `readFileSync`, which opens, stats, allocates a 64 KiB buffer for a size-0 file and closes.
 * node:fs is loaded at first use, not at import.
 */
let fsModule: typeof import('node:fs') | undefined;
/** node:fs, loaded at first use and kept: `process.getBuiltinModule()` costs ~13 µs a call, cold, and a sample reads several files. */
export const fs = (): typeof import('node:fs') => (fsModule ??= process.getBuiltinModule('node:fs'));

/** Larger than any procfs or cgroup file read here: a file that fills it is not read. */
const MAX_BYTES = 1024 * 1024;

/** Descriptors kept open by every KeptFiles of the process: `process_open_fds` leaves them out. */
let kept = 0;
/** One buffer for every read (reads are synchronous, so never two at once), grown as needed. */
let buffer: Buffer | undefined;

/** The descriptors hmetrics keeps open, to subtract from a count of the process's own. */
export function keptDescriptors(): number {
  return kept;
}

/** The whole file behind `fd`, read from offset 0 into the one shared buffer; undefined past MAX_BYTES. */
function readFrom(fd: number): string | undefined {
  buffer ??= Buffer.allocUnsafe(16 * 1024);
  for (;;) {
    const length = fs().readSync(fd, buffer, 0, buffer.length, 0);
    if (length < buffer.length) return buffer.toString('latin1', 0, length);
    // Filled: it may be longer; read it whole into a buffer twice the size (bounded).
    if (buffer.length >= MAX_BYTES) return undefined;
    buffer = Buffer.allocUnsafe(buffer.length * 2);
  }
}

/**
 * A file read once (a cgroup's limits, /proc/self/cgroup, mountinfo, limits), as latin1 text, or
 * undefined when it is missing, unreadable or past MAX_BYTES. Through the shared buffer: for a
 * procfs or cgroup file (size 0 to stat) `readFileSync` allocates a fresh 64 KiB buffer per
 * file, which a short job's startup kept until its first GC (~0.5 MB for the ten files it read).
 */
export function readFileOnce(path: string): string | undefined {
  let fd: number;
  try {
    fd = fs().openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    return readFrom(fd);
  } catch {
    return undefined;
  } finally {
    try { fs().closeSync(fd); } catch { /* already closed */ }
  }
}

/** A set of files kept open; `close()` releases them (a later read opens again). */
export class KeptFiles {
  /** Path → descriptor, or null when it could not be opened (not tried again until close()). */
  readonly #fds = new Map<string, number | null>();

  /** The file's text, or undefined when it is missing or unreadable. */
  read(path: string): string | undefined {
    let fd = this.#fds.get(path);
    if (fd === undefined) {
      fd = null;
      try {
        fd = fs().openSync(path, 'r');
        kept++;
      } catch {
        // missing or unreadable: undefined, as a one-off read says
      }
      this.#fds.set(path, fd);
    }
    if (fd === null) return undefined;
    try {
      return readFrom(fd);
    } catch {
      // A descriptor that stopped reading (closed under us, a cgroup file recreated): forget
      // it, so the next read opens the file afresh instead of failing for good.
      this.#forget(path, fd);
      return undefined;
    }
  }

  #forget(path: string, fd: number): void {
    this.#fds.delete(path);
    kept--;
    try { fs().closeSync(fd); } catch { /* already closed */ }
  }

  /** Closes every kept descriptor. */
  close(): void {
    for (const fd of this.#fds.values()) {
      if (fd === null) continue;
      kept--;
      try { fs().closeSync(fd); } catch { /* already closed */ }
    }
    this.#fds.clear();
  }
}
