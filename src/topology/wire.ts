import type { Aggregator } from '../metrics/aggregator.js';
import type { Tags } from '../metrics/series.js';
import type { Snapshot } from '../metrics/snapshot.js';

/**
 * One interval's figures as they travel between threads (BroadcastChannel) and processes
 * (cluster IPC, JSON): plain arrays only, so the default JSON serialisation of `process.send`
 * carries them and the receiver can validate every field before trusting it.
 */
export interface WireSnapshot {
  /** `[name, tags, value]` per counter. */
  readonly counters: ReadonlyArray<readonly [string, Tags, number]>;
  /** `[name, tags, value]` per gauge. */
  readonly gauges: ReadonlyArray<readonly [string, Tags, number]>;
  /** `[name, tags, count, min, max, sum, sumSquares, values]` per timer. */
  readonly timers: ReadonlyArray<readonly [string, Tags, number, number, number, number, number, readonly number[]]>;
  /** `[name, tags, members]` per set. */
  readonly sets: ReadonlyArray<readonly [string, Tags, readonly string[]]>;
}

/** The wire form of a snapshot. */
export function encodeSnapshot(snapshot: Snapshot): WireSnapshot {
  return {
    counters: [...snapshot.counters.values()].map((p) => [p.name, p.tags, p.value] as const),
    gauges: [...snapshot.gauges.values()].map((p) => [p.name, p.tags, p.value] as const),
    timers: [...snapshot.timers.values()].map((p) => [p.name, p.tags, p.count, p.min, p.max, p.sum, p.sumSquares, p.values] as const),
    sets: [...snapshot.sets.values()].map((p) => [p.name, p.tags, [...p.values]] as const),
  };
}

/** True when a snapshot holds nothing worth sending. */
export function isEmptySnapshot(snapshot: Snapshot): boolean {
  return snapshot.counters.size + snapshot.gauges.size + snapshot.timers.size + snapshot.sets.size === 0;
}

/**
 * Adds what a wire snapshot carries into `aggregator`: counters summed, timers merged exactly,
 * set members added, gauges handed to `onGauge` (the caller decides how gauges combine).
 * Malformed entries (another app's message that looks like ours, a version mismatch) are
 * skipped one by one; nothing here throws.
 */
export function mergeWire(
  aggregator: Aggregator,
  wire: unknown,
  onGauge: (name: string, tags: Tags, value: number) => void,
): void {
  if (typeof wire !== 'object' || wire === null) return;
  const { counters, gauges, timers, sets } = wire as Partial<Record<keyof WireSnapshot, unknown>>;
  for (const entry of arrayOf(counters)) {
    if (isHead(entry) && isNumber(entry[2])) aggregator.count(entry[0], entry[2], entry[1]);
  }
  for (const entry of arrayOf(gauges)) {
    if (isHead(entry) && isNumber(entry[2])) onGauge(entry[0], entry[1], entry[2]);
  }
  for (const entry of arrayOf(timers)) {
    if (!isHead(entry) || entry.length !== 8) continue;
    const [, , count, min, max, sum, sumSquares, values] = entry as unknown[];
    if (![count, min, max, sum, sumSquares].every(isNumber) || !Array.isArray(values) || !values.every(isNumber)) continue;
    aggregator.mergeTimer(entry[0], {
      count: count as number, min: min as number, max: max as number, sum: sum as number,
      sumSquares: sumSquares as number, values: values as number[],
    }, entry[1]);
  }
  for (const entry of arrayOf(sets)) {
    if (!isHead(entry) || !Array.isArray(entry[2])) continue;
    for (const member of entry[2] as unknown[]) {
      if (typeof member === 'string') aggregator.setMember(entry[0], member, entry[1]);
    }
  }
}

function arrayOf(value: unknown): readonly unknown[] {
  return Array.isArray(value) ? value : [];
}

/** `[name, tags, …]` with a string name and an array of string tags. */
function isHead(entry: unknown): entry is [string, Tags, ...unknown[]] {
  return Array.isArray(entry) && typeof entry[0] === 'string' && Array.isArray(entry[1]) &&
    (entry[1] as unknown[]).every((tag) => typeof tag === 'string');
}

function isNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}
