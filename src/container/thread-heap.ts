import type { Aggregator } from '../metrics/aggregator.js';
import { NodeMemoryMetric } from '../metrics/names.js';
import type { Tags } from '../metrics/series.js';
import { v8 } from '../runtime/memory-reading.js';

let tags: Tags | undefined;

/**
 * A worker thread's heap used and limit, tagged `thread:<id>`, written into the thread's own
 * aggregator just before it forwards its snapshot (src/topology/thread-forwarder.ts), so they
 * travel with its other figures. V8's `heap_size_limit` in a worker is what its
 * `resourceLimits` (maxOldGenerationSizeMb + maxYoungGenerationSizeMb) made of the default.
 */
export function recordThreadHeap(aggregator: Aggregator, threadId: number): void {
  try {
    tags ??= [`thread:${threadId}`];
    const heap = v8().getHeapStatistics();
    aggregator.gauge(NodeMemoryMetric.threadHeapUsedBytes, heap.used_heap_size, tags);
    aggregator.gauge(NodeMemoryMetric.threadHeapLimitBytes, heap.heap_size_limit, tags);
  } catch {
    // a thread's figures are never worth an exception in the app's thread
  }
}
