import type { PerformanceEntry } from 'node:perf_hooks';
import { shared } from '../util/global-state.js';

/** A `gc` entry; `detail.kind` is the perf_hooks GC kind (Node ≥ 16). */
type GcEntry = PerformanceEntry & { readonly detail?: { readonly kind?: number } | null };

/** Hears every GC once: its perf_hooks kind (0 when unknown), pause in ms and start time. */
export type GcListener = (kind: number, durationMs: number, startTime: number) => void;

/** perf_hooks GC kinds counted as young generation: scavenge (1) and minor mark-sweep (2). */
export const YOUNG_KINDS: ReadonlySet<number> = new Set([1, 2]);

/**
 * The process's one GC observer, for every reader and every copy of the package. It keeps the
 * cumulative totals (collections and pause ms, young and old) since it started and hands each
 * entry to every listener; readers derive their own view (per interval, since the previous
 * scrape, a cumulative histogram) and never take an entry from another reader. `flush()` pulls
 * the entries the observer has buffered but not delivered (`takeRecords()`) and hands them to
 * every listener too, so a reader that flushes before reading loses nothing and steals nothing.
 */
export class GcSource {
  #observer: InstanceType<typeof PerformanceObserver> | undefined;
  readonly #listeners = new Set<GcListener>();
  /** Since the observer started; never reset by a reader. */
  readonly totals = { young: 0, old: 0, youngPauseMs: 0, oldPauseMs: 0 };

  /** Adds a listener (the observer starts with the first); returns the function that removes it. */
  subscribe(listener: GcListener): () => void {
    this.#listeners.add(listener);
    if (this.#observer === undefined) {
      const observer = new PerformanceObserver((list) => this.#dispatch(list.getEntries()));
      observer.observe({ type: 'gc' });
      this.#observer = observer;
    }
    return () => {
      if (!this.#listeners.delete(listener) || this.#listeners.size > 0) return;
      this.#observer?.disconnect();
      this.#observer = undefined;
    };
  }

  /** Hands every buffered entry to every listener now. */
  flush(): void {
    if (this.#observer !== undefined) this.#dispatch(this.#observer.takeRecords());
  }

  /** Observers running now: 0 or 1 (tests and the bench count it). */
  get observers(): number {
    return this.#observer === undefined ? 0 : 1;
  }

  #dispatch(entries: readonly PerformanceEntry[]): void {
    const totals = this.totals;
    for (const entry of entries) {
      const kind = (entry as GcEntry).detail?.kind ?? 0;
      const duration = entry.duration;
      if (YOUNG_KINDS.has(kind)) {
        totals.young++;
        totals.youngPauseMs += duration;
      } else {
        totals.old++;
        totals.oldPauseMs += duration;
      }
      for (const listener of this.#listeners) {
        try {
          listener(kind, duration, entry.startTime);
        } catch {
          // One reader's fault never costs another reader its entries.
        }
      }
    }
  }
}

/** The process's GC source (one for every copy of the package). */
export function gcSource(): GcSource {
  return shared('runtime.gc-source', () => new GcSource());
}
