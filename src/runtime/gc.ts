import type { Aggregator } from '../metrics/aggregator.js';
import { RuntimeMetric, SemconvAttribute, SemconvMetric } from '../metrics/names.js';
import type { Tags } from '../metrics/series.js';
import type { RuntimeCollector } from './collector.js';
import { gcSource, YOUNG_KINDS } from './gc-source.js';

/** `v8js.gc.type` by perf_hooks GC kind, as OpenTelemetry's runtime instrumentation names them. */
const SEMCONV_TYPE_TAGS = new Map<number, Tags>([
  [1, [`${SemconvAttribute.gcType}:minor`]],
  [2, [`${SemconvAttribute.gcType}:minor`]],
  [4, [`${SemconvAttribute.gcType}:major`]],
  [8, [`${SemconvAttribute.gcType}:incremental`]],
  [16, [`${SemconvAttribute.gcType}:weakcb`]],
]);
const UNKNOWN_TYPE_TAGS: Tags = [`${SemconvAttribute.gcType}:unknown`];
/**
 * GC events kept per interval for the `v8js.gc.duration` histogram (8 bytes each, plus the
 * kind). A process past it (hundreds of GCs a second) still counts every one in
 * `node.gc.collections`; the histogram then covers the first `MAX_SEMCONV_EVENTS`.
 */
export const MAX_SEMCONV_EVENTS = 10_000;

/**
 * Counts every `gc` performance entry the process's one observer (gc-source.ts) hands it: all
 * entries of every observer batch, plus those still buffered at collect time (flushed to every
 * reader), which would otherwise land in the next interval.
 * Young = kinds 1 and 2; old = every other kind (major, incremental marking, weak callbacks).
 * An entry reaches observers a loop turn after its GC, so one from the collect's own loop turn
 * is counted in the next interval: late by one interval, never lost while enabled.
 */
export class GcCollector implements RuntimeCollector {
  #unsubscribe: (() => void) | undefined;
  #young = 0;
  #old = 0;
  /** Pauses in ms as perf_hooks reports them; converted to ns once per collect. */
  #youngPauseMs = 0;
  #oldPauseMs = 0;
  #maxPauseMs = 0;
  /** performance.now() at enable: a GC that ran before it is not ours to count. */
  #since = 0;
  readonly #semconv: boolean;
  /** Durations (s) and kinds of this interval's GCs, for `v8js.gc.duration` (semconv only). */
  #durations: number[] = [];
  #kinds: number[] = [];

  /** @param semconv also record each GC's duration by type, as OpenTelemetry names it */
  constructor(semconv = false) {
    this.#semconv = semconv;
  }

  enable(): void {
    if (this.#unsubscribe) return;
    this.#reset();
    this.#since = performance.now();
    this.#unsubscribe = gcSource().subscribe(this.#record);
  }

  disable(): void {
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#reset();
  }

  collect(aggregator: Aggregator): void {
    if (!this.#unsubscribe) return;
    // Entries the observer has buffered but not delivered yet belong to this interval.
    gcSource().flush();
    const young = this.#young;
    const old = this.#old;
    const youngNs = Math.round(this.#youngPauseMs * 1e6);
    const oldNs = Math.round(this.#oldPauseMs * 1e6);
    aggregator.count(RuntimeMetric.gcCollections, young + old);
    aggregator.count(RuntimeMetric.gcPauseNs, youngNs + oldNs);
    aggregator.count(RuntimeMetric.gcYoungCollections, young);
    aggregator.count(RuntimeMetric.gcYoungPauseNs, youngNs);
    aggregator.count(RuntimeMetric.gcOldCollections, old);
    aggregator.count(RuntimeMetric.gcOldPauseNs, oldNs);
    aggregator.gauge(RuntimeMetric.gcPauseMaxMs, this.#maxPauseMs);
    for (let i = 0; i < this.#durations.length; i++) {
      aggregator.timing(SemconvMetric.gcDuration, this.#durations[i]!, SEMCONV_TYPE_TAGS.get(this.#kinds[i]!) ?? UNKNOWN_TYPE_TAGS);
    }
    this.#reset();
  }

  readonly #record = (kind: number, duration: number, startTime: number): void => {
    // Entries reach observers a loop turn after their GC, so a new reader can be handed one
    // from before its enable(); the first interval after a (re)start excludes it.
    if (startTime < this.#since) return;
    if (YOUNG_KINDS.has(kind)) {
      this.#young++;
      this.#youngPauseMs += duration;
    } else {
      this.#old++;
      this.#oldPauseMs += duration;
    }
    if (duration > this.#maxPauseMs) this.#maxPauseMs = duration;
    if (this.#semconv && this.#durations.length < MAX_SEMCONV_EVENTS) {
      this.#durations.push(duration / 1000);
      this.#kinds.push(kind);
    }
  };

  #reset(): void {
    this.#young = 0;
    this.#old = 0;
    this.#youngPauseMs = 0;
    this.#oldPauseMs = 0;
    this.#maxPauseMs = 0;
    this.#durations = [];
    this.#kinds = [];
  }
}
