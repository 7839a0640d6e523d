import type { Aggregator } from '../metrics/aggregator.js';
import { RuntimeMetric, SemconvAttribute, SemconvMetric } from '../metrics/names.js';
import type { Tags } from '../metrics/series.js';
import type { RuntimeCollector } from './collector.js';

/**
 * libuv request types as `process.getActiveResourcesInfo()` names them (fs, dns, stream writes,
 * connects); everything else it lists is a handle (sockets, servers, ref'd timers and
 * immediates, child processes …).
 */
const REQUEST = /(?:Req|ReqWrap|ReqCallback|ReqPromise)$|^(?:Write|Shutdown|Connect|Send)Wrap$/;

/**
 * What keeps the event loop alive: active handles and in-flight requests (gauges). Uses the
 * documented `process.getActiveResourcesInfo()`; unref'd timers (hmetrics' own) are not listed.
 */
/** Resource types remembered for `v8js.resource.active` (reported as 0 once gone, as OTel does). */
const MAX_RESOURCE_TYPES = 100;

export class HandlesCollector implements RuntimeCollector {
  #enabled = false;
  readonly #semconv: boolean;
  /** Every resource type seen so far, with its tags array. */
  readonly #typeTags = new Map<string, Tags>();

  /** @param semconv also write the count of each resource type (`v8js.resource.active`) */
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
    let handles = 0;
    let requests = 0;
    const resources = process.getActiveResourcesInfo();
    for (const resource of resources) {
      if (REQUEST.test(resource)) requests++;
      else handles++;
    }
    aggregator.gauge(RuntimeMetric.activeHandles, handles);
    aggregator.gauge(RuntimeMetric.activeRequests, requests);
    if (this.#semconv) this.#collectByType(aggregator, resources);
  }

  #collectByType(aggregator: Aggregator, resources: readonly string[]): void {
    const counts = new Map<string, number>();
    for (const resource of resources) counts.set(resource, (counts.get(resource) ?? 0) + 1);
    for (const type of counts.keys()) {
      if (!this.#typeTags.has(type) && this.#typeTags.size < MAX_RESOURCE_TYPES) {
        this.#typeTags.set(type, [`${SemconvAttribute.resourceType}:${type}`]);
      }
    }
    for (const [type, tags] of this.#typeTags) aggregator.gauge(SemconvMetric.resourceActive, counts.get(type) ?? 0, tags);
  }
}
