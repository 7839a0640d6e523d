import { fs, KeptFiles, readFileOnce } from '../util/kept-files.js';

/**
 * How the container reader sees the filesystem: every absolute path it reads is prefixed with
 * `root`, so tests run it over a fixture tree laid out like `/proc` and `/sys/fs/cgroup`.
 * A missing or unreadable file reads as `undefined`: a container without one of them (no
 * cgroup, a controller not delegated, an older kernel) simply has fewer figures.
 */
export interface ContainerFiles {
  /** The file's text, or undefined when it is missing or unreadable. */
  read(path: string): string | undefined;
  /** The number of entries in a directory, or undefined. */
  count(path: string): number | undefined;
  /**
   * The same as `read`, for a file read every interval (the cgroup's counters): the file stays
   * open and is re-read from its start (util/kept-files.ts). Absent: `read` is used.
   */
  reread?(path: string): string | undefined;
  /** Closes the files `reread` kept open (a later `reread` opens them again). */
  close?(): void;
}

/** The real filesystem below `root` (`''` for the machine's own). node:fs is loaded at first use. */
export function filesBelow(root = ''): ContainerFiles {
  const kept = new KeptFiles();
  return {
    reread: (path) => kept.read(root + path),
    close: () => kept.close(),
    read: (path) => readFileOnce(root + path),
    count(path) {
      try {
        return fs().readdirSync(root + path).length;
      } catch {
        return undefined;
      }
    },
  };
}
