import { heapStatistics, memoryUsage } from '../runtime/memory-reading.js';
import type { ContainerFiles } from './files.js';

/** Node's side of the memory story, read once per interval from `v8.getHeapStatistics()` and procfs. */
export interface NodeMemory {
  readonly heapLimitBytes: number;
  readonly heapUsedBytes: number;
  readonly detachedContexts: number;
  readonly nativeContexts: number;
  readonly mallocedBytes: number;
  readonly externalBytes: number;
  readonly arrayBuffersBytes: number;
  readonly rssBytes: number;
}

/**
 * One `getHeapStatistics()` and one `memoryUsage()` (both ≈ µs); inside the runtime sampler,
 * the sample's one reading of each (runtime/memory-reading.ts).
 */
export function readNodeMemory(): NodeMemory {
  const heap = heapStatistics();
  const usage = memoryUsage();
  return {
    heapLimitBytes: heap.heap_size_limit,
    heapUsedBytes: heap.used_heap_size,
    detachedContexts: heap.number_of_detached_contexts,
    nativeContexts: heap.number_of_native_contexts,
    mallocedBytes: heap.malloced_memory,
    externalBytes: usage.external,
    arrayBuffersBytes: usage.arrayBuffers,
    rssBytes: usage.rss,
  };
}

/**
 * The host's memory, bytes: `MemTotal` of /proc/meminfo, the very figure `os.totalmem()` reads on
 * Linux (libuv), without loading node:os for it at every reporting process's start (~0.1 ms).
 * Where procfs says nothing (other systems, a fixture without it), `os.totalmem()`.
 */
export function hostMemory(files: ContainerFiles): number {
  const text = files.read('/proc/meminfo');
  const at = text === undefined ? -1 : text.indexOf('MemTotal:');
  if (text !== undefined && at >= 0) {
    const end = text.indexOf('\n', at);
    const kb = /^\s*(\d+) kB$/.exec(text.slice(at + 9, end < 0 ? text.length : end));
    if (kb !== null) return Number(kb[1]) * 1024;
  }
  return process.getBuiltinModule('node:os').totalmem();
}

/**
 * `process.constrainedMemory()` (Node ≥ 19.6; returns 0 or a huge value when there is no limit,
 * depending on the version), or undefined when it says nothing useful.
 */
export function constrainedMemory(hostMemory: number): number | undefined {
  const read = (process as { constrainedMemory?: () => number | undefined }).constrainedMemory;
  if (typeof read !== 'function') return undefined;
  try {
    const bytes = read.call(process);
    return typeof bytes === 'number' && bytes > 0 && bytes < hostMemory ? bytes : undefined;
  } catch {
    return undefined;
  }
}
