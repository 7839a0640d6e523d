import { heapStatistics, memoryUsage } from '../runtime/memory-reading.js';

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
