/**
 * A backend for the Etsy statsd server (loaded with require, hence CommonJS): prints a line on
 * init and each flush as one JSON line on stdout, prefixed so the parent can pick them out.
 */
import type { EventEmitter } from 'node:events';

interface EtsySet { values(): string[] }
interface EtsyMetrics {
  counters: Record<string, number>;
  gauges: Record<string, number>;
  timers: Record<string, number[]>;
  timer_counters: Record<string, number>;
  sets: Record<string, EtsySet>;
  timer_data: Record<string, Record<string, number>>;
}

function init(_startupTime: number, _config: unknown, events: EventEmitter): boolean {
  events.on('flush', (timestamp: number, metrics: EtsyMetrics) => {
    const sets: Record<string, string[]> = {};
    for (const [key, set] of Object.entries(metrics.sets)) sets[key] = set.values();
    const flush = {
      timestamp,
      counters: metrics.counters,
      gauges: metrics.gauges,
      timers: metrics.timers,
      timer_counters: metrics.timer_counters,
      sets,
      timer_data: metrics.timer_data,
    };
    process.stdout.write(`HMETRICS_FLUSH ${JSON.stringify(flush)}\n`);
  });
  process.stdout.write('HMETRICS_BACKEND_READY\n');
  return true;
}

export = { init };
