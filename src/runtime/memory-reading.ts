import type { HeapInfo } from 'node:v8';

/**
 * One sample's memory figures, read once and shared by every collector of that sample
 * (runtime/memory.ts, container/collector.ts): `process.memoryUsage()` opens, reads and closes
 * /proc/self/stat for RSS at each call, and `v8.getHeapStatistics()` builds a fresh object, so
 * two collectors reading each for themselves paid both twice, cold, in every interval. Inside
 * `sharingReadings()` the first call reads and the others get the same object; outside it (a
 * collector used alone, a scrape) every call reads afresh, so no figure is ever stale.
 */
let depth = 0;
let usage: NodeJS.MemoryUsage | undefined;
let heap: HeapInfo | undefined;

/** Runs `sample` with one memory reading shared by everything it calls; nested calls share the outer one. */
export function sharingReadings(sample: () => void): void {
  depth++;
  try {
    sample();
  } finally {
    if (--depth === 0) {
      usage = undefined;
      heap = undefined;
    }
  }
}

/** `process.memoryUsage()`, once per shared sample. */
export function memoryUsage(): NodeJS.MemoryUsage {
  if (depth === 0) return process.memoryUsage();
  return (usage ??= process.memoryUsage());
}

/**
 * `v8.getHeapStatistics()`, once per shared sample. node:v8 is loaded at the first call, not at
 * import: it pulls in the streams stack, which `import 'hmetrics/onload'` should not pay before
 * the app's first line.
 */
export function heapStatistics(): HeapInfo {
  if (depth === 0) return v8().getHeapStatistics();
  return (heap ??= v8().getHeapStatistics());
}

let v8Module: typeof import('node:v8') | undefined;
/** node:v8, loaded at first use and kept: `process.getBuiltinModule()` costs ~13 µs a call, cold. */
export const v8 = (): typeof import('node:v8') => (v8Module ??= process.getBuiltinModule('node:v8'));
