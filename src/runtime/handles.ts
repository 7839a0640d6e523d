import type { Aggregator } from '../metrics/aggregator.js';
import { RuntimeMetric } from '../metrics/names.js';
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
export class HandlesCollector implements RuntimeCollector {
  #enabled = false;

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
    for (const resource of process.getActiveResourcesInfo()) {
      if (REQUEST.test(resource)) requests++;
      else handles++;
    }
    aggregator.gauge(RuntimeMetric.activeHandles, handles);
    aggregator.gauge(RuntimeMetric.activeRequests, requests);
  }
}
