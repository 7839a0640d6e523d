import { RuntimeMetric } from './names.js';
import type { GaugePoint, Snapshot } from './snapshot.js';

/** A payload covering less than this (ms) is short: its rate gauges would plot as spikes. */
export const SHORT_PAYLOAD_MS = 1_000;

/**
 * Gauges that are a rate or a maximum over the interval: over a few milliseconds they read
 * whatever the shutdown itself did (utilisation 1, a CPU spike). Memory and handle gauges are
 * levels, true at any instant, and user gauges are last values: those stay.
 */
export const INTERVAL_GAUGES: readonly string[] = [
  RuntimeMetric.eventLoopUsage,
  RuntimeMetric.eventLoopDelayMedian,
  RuntimeMetric.eventLoopDelayP95,
  RuntimeMetric.eventLoopDelayP99,
  RuntimeMetric.eventLoopDelayMax,
  RuntimeMetric.cpuUtilization,
  RuntimeMetric.gcPauseMaxMs,
];

/** The interval gauges of a full interval's snapshot, kept for a short payload that may follow. */
export function pickIntervalGauges(snapshot: Snapshot): ReadonlyMap<string, GaugePoint> {
  const picked = new Map<string, GaugePoint>();
  for (const name of INTERVAL_GAUGES) {
    const point = snapshot.gauges.get(name);
    if (point) picked.set(name, point);
  }
  return picked;
}

/**
 * The short-payload rule. A snapshot covering less than `SHORT_PAYLOAD_MS` keeps its counters,
 * timers, sets and level gauges, but its interval gauges are those of the last full interval
 * (`lastFull`, from `pickIntervalGauges`): nothing plots as a spike, and the counters of the
 * last moments still arrive. With no full interval before it (a process that lived less than
 * one interval) its own figures are all there is, and they stay: the Heroku names are always
 * present. Longer snapshots pass unchanged.
 */
export function settleShortPayload(snapshot: Snapshot, lastFull: ReadonlyMap<string, GaugePoint> | undefined): Snapshot {
  if (snapshot.intervalMs >= SHORT_PAYLOAD_MS || lastFull === undefined) return snapshot;
  const gauges = new Map<string, GaugePoint>(snapshot.gauges);
  for (const name of INTERVAL_GAUGES) {
    const previous = lastFull.get(name);
    if (previous) gauges.set(name, previous);
  }
  return { ...snapshot, gauges };
}
