import { gcSource } from '../runtime/gc-source.js';
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
 * `nodejs_gc_duration_seconds{kind}`, cumulative since enable, from the process's one GC
 * observer (runtime/gc-source.ts), which hands every entry to every reader.
 * Every entry of every batch is counted; prom-client counts only the first of each batch.
 * Also keeps the longest pause since the previous scrape (`nodejs_gc_pause_max_seconds`).
 */
export class GcDurations {
  #unsubscribe: (() => void) | undefined;
  #since = 0;
  #maxSinceScrape = 0;
  readonly #kinds = new Map<string, KindCells>();

  enable(): void {
    if (this.#unsubscribe) return;
    this.#since = performance.now();
    this.#unsubscribe = gcSource().subscribe(this.#record);
  }

  disable(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }

  collect(list: FamilyList): void {
    if (this.#unsubscribe) gcSource().flush();
    const samples = list.open('nodejs_gc_duration_seconds', 'histogram',
      'Garbage collection duration by kind, one of major, minor, incremental or weakcb.');
    for (const cells of this.#kinds.values()) {
      pushHistogram(samples, cells.labels, GC_DURATION_BUCKETS, cells.buckets, cells.sum, cells.count);
    }
    list.gauge('nodejs_gc_pause_max_seconds', 'Longest single garbage collection pause since the previous scrape.', this.#maxSinceScrape);
    this.#maxSinceScrape = 0;
  }

  readonly #record = (kind: number, duration: number, startTime: number): void => {
    if (startTime < this.#since) return;
    const name = KIND_NAMES[kind] ?? 'major';
    let cells = this.#kinds.get(name);
    if (cells === undefined) {
      cells = { labels: label('kind', name), buckets: GC_DURATION_BUCKETS.map(() => 0), sum: 0, count: 0 };
      this.#kinds.set(name, cells);
    }
    const seconds = duration / 1000;
    for (let i = 0; i < GC_DURATION_BUCKETS.length; i++) if (seconds <= GC_DURATION_BUCKETS[i]!) cells.buckets[i]!++;
    cells.sum += seconds;
    cells.count++;
    if (seconds > this.#maxSinceScrape) this.#maxSinceScrape = seconds;
  };
}
