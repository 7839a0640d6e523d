import type { Aggregator } from '../metrics/aggregator.js';
import { RuntimeMetric } from '../metrics/names.js';
import type { RuntimeCollector } from './collector.js';

/**
 * Process CPU time: user and system µs spent in the interval (counters) and their sum as a
 * fraction of one core over the interval's wall time (gauge; above 1 when several threads,
 * e.g. GC helpers, ran at once).
 */
export class CpuCollector implements RuntimeCollector {
  #usage: NodeJS.CpuUsage | undefined;
  #since = 0;

  enable(): void {
    if (this.#usage) return;
    this.#usage = process.cpuUsage();
    this.#since = performance.now();
  }

  disable(): void {
    this.#usage = undefined;
  }

  collect(aggregator: Aggregator): void {
    const previous = this.#usage;
    if (!previous) return;
    const now = performance.now();
    const usage = process.cpuUsage();
    const user = usage.user - previous.user;
    const system = usage.system - previous.system;
    const wallUs = (now - this.#since) * 1000;
    this.#usage = usage;
    this.#since = now;
    aggregator.count(RuntimeMetric.cpuUserUs, user);
    aggregator.count(RuntimeMetric.cpuSystemUs, system);
    aggregator.gauge(RuntimeMetric.cpuUtilization, wallUs > 0 ? (user + system) / wallUs : 0);
  }
}
