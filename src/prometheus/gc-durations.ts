import { PerformanceObserver, performance, type PerformanceEntry } from 'node:perf_hooks';
import { label, pushHistogram, type FamilyList } from './family.js';

/** prom-client's `nodejs_gc_duration_seconds` buckets, seconds. */
export const GC_DURATION_BUCKETS: readonly number[] = [0.001, 0.01, 0.1, 1, 2, 5];

/**
 * perf_hooks GC kind → prom-client's `kind` label. Kind 2 (minor mark-sweep, newer V8) has no
 * prom-client name (its sample would carry no `kind`); it is a young-generation GC, so `minor`.
 */
const KIND_NAMES: Readonly<Record<number, string>> = { 1: 'minor', 2: 'minor', 4: 'major', 8: 'incremental', 16: 'weakcb' };

interface KindCells { readonly labels: string; readonly buckets: number[]; sum: number; count: number }

/**
 * `nodejs_gc_duration_seconds{kind}`, cumulative since enable, from an observer of its own (the
 * push loop's GC collector keeps per-interval counts; two observers see the same entries).
 * Every entry of every batch is counted; prom-client counts only the first of each batch.
 * Also keeps the longest pause since the previous scrape (`nodejs_gc_pause_max_seconds`).
 */
export class GcDurations {
  #observer: PerformanceObserver | undefined;
  #since = 0;
  #maxSinceScrape = 0;
  readonly #kinds = new Map<string, KindCells>();

  enable(): void {
    if (this.#observer) return;
    this.#since = performance.now();
    const observer = new PerformanceObserver((list) => this.#record(list.getEntries()));
    observer.observe({ type: 'gc' });
    this.#observer = observer;
  }

  disable(): void {
    this.#observer?.disconnect();
    this.#observer = undefined;
  }

  collect(list: FamilyList): void {
    if (this.#observer) this.#record(this.#observer.takeRecords());
    const samples = list.open('nodejs_gc_duration_seconds', 'histogram',
      'Garbage collection duration by kind, one of major, minor, incremental or weakcb.');
    for (const cells of this.#kinds.values()) {
      pushHistogram(samples, cells.labels, GC_DURATION_BUCKETS, cells.buckets, cells.sum, cells.count);
    }
    list.gauge('nodejs_gc_pause_max_seconds', 'Longest single garbage collection pause since the previous scrape.', this.#maxSinceScrape);
    this.#maxSinceScrape = 0;
  }

  #record(entries: readonly PerformanceEntry[]): void {
    for (const entry of entries) {
      if (entry.startTime < this.#since) continue;
      const kind = (entry as PerformanceEntry & { detail?: { kind?: number } | null }).detail?.kind;
      const name = (kind !== undefined ? KIND_NAMES[kind] : undefined) ?? 'major';
      let cells = this.#kinds.get(name);
      if (cells === undefined) {
        cells = { labels: label('kind', name), buckets: GC_DURATION_BUCKETS.map(() => 0), sum: 0, count: 0 };
        this.#kinds.set(name, cells);
      }
      const seconds = entry.duration / 1000;
      for (let i = 0; i < GC_DURATION_BUCKETS.length; i++) if (seconds <= GC_DURATION_BUCKETS[i]!) cells.buckets[i]!++;
      cells.sum += seconds;
      cells.count++;
      if (seconds > this.#maxSinceScrape) this.#maxSinceScrape = seconds;
    }
  }
}
