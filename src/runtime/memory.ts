import type { Aggregator } from '../metrics/aggregator.js';
import { RuntimeMetric, SemconvAttribute, SemconvMetric } from '../metrics/names.js';
import type { Tags } from '../metrics/series.js';
import type { RuntimeCollector } from './collector.js';
import { heapStatistics, memoryUsage, v8 } from './memory-reading.js';

/**
 * Heap used / total / limit, RSS and external memory, in bytes, read once per collect:
 * `process.memoryUsage()` gives all but the limit in one call (most of its ~10 µs is reading RSS),
 * `v8.getHeapStatistics()` the limit. Inside the sampler both readings are the sample's one,
 * shared with the container collector (memory-reading.ts).
 */
export class MemoryCollector implements RuntimeCollector {
  #enabled = false;
  readonly #semconv: boolean;
  /** One tags array per heap space, so the aggregator finds its key without rebuilding it. */
  readonly #spaceTags = new Map<string, Tags>();

  /** @param semconv also write each V8 heap space's size, used, available and physical bytes */
  constructor(semconv = false) {
    this.#semconv = semconv;
  }

  enable(): void {
    this.#enabled = true;
  }

  disable(): void {
    this.#enabled = false;
  }

  collect(aggregator: Aggregator): void {
    if (!this.#enabled) return;
    const memory = memoryUsage();
    aggregator.gauge(RuntimeMetric.heapUsedBytes, memory.heapUsed);
    aggregator.gauge(RuntimeMetric.heapTotalBytes, memory.heapTotal);
    aggregator.gauge(RuntimeMetric.heapLimitBytes, heapStatistics().heap_size_limit);
    aggregator.gauge(RuntimeMetric.rssBytes, memory.rss);
    aggregator.gauge(RuntimeMetric.externalBytes, memory.external);
    if (!this.#semconv) return;
    for (const space of v8().getHeapSpaceStatistics()) {
      let tags = this.#spaceTags.get(space.space_name);
      if (tags === undefined) {
        tags = [`${SemconvAttribute.heapSpaceName}:${space.space_name}`];
        this.#spaceTags.set(space.space_name, tags);
      }
      aggregator.gauge(SemconvMetric.heapSpaceSize, space.space_size, tags);
      aggregator.gauge(SemconvMetric.heapUsed, space.space_used_size, tags);
      aggregator.gauge(SemconvMetric.heapSpaceAvailable, space.space_available_size, tags);
      aggregator.gauge(SemconvMetric.heapSpacePhysical, space.physical_space_size, tags);
    }
  }
}
