import type { Aggregator } from '../metrics/aggregator.js';
import { RuntimeMetric } from '../metrics/names.js';
import type { RuntimeCollector } from './collector.js';

/**
 * The V8 heap limit (`--max-old-space-size`), fixed for the process's life. Read at the first
 * collect, not at import: `node:v8` pulls in the whole streams stack (≈25 internal modules),
 * which `import 'hmetrics/onload'` should not pay at startup.
 */
let heapLimit: number | undefined;
function readHeapLimit(): number {
  heapLimit ??= process.getBuiltinModule('node:v8').getHeapStatistics().heap_size_limit;
  return heapLimit;
}

/**
 * Heap used / total / limit, RSS and external memory, in bytes, read once per collect:
 * `process.memoryUsage()` gives all but the limit in one call (most of its ~10 µs is reading RSS).
 */
export class MemoryCollector implements RuntimeCollector {
  #enabled = false;

  enable(): void {
    this.#enabled = true;
  }

  disable(): void {
    this.#enabled = false;
  }

  collect(aggregator: Aggregator): void {
    if (!this.#enabled) return;
    const memory = process.memoryUsage();
    aggregator.gauge(RuntimeMetric.heapUsedBytes, memory.heapUsed);
    aggregator.gauge(RuntimeMetric.heapTotalBytes, memory.heapTotal);
    aggregator.gauge(RuntimeMetric.heapLimitBytes, readHeapLimit());
    aggregator.gauge(RuntimeMetric.rssBytes, memory.rss);
    aggregator.gauge(RuntimeMetric.externalBytes, memory.external);
  }
}
