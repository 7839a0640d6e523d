/**
 * The exposition model: metric families and their samples, shared by the local renderer and
 * the cluster merge (a worker's families travel to the primary over IPC as plain JSON).
 */

/** Prometheus metric types hmetrics exposes. */
export type FamilyType = 'counter' | 'gauge' | 'histogram';

/** One sample line: the family name plus `suffix`, its labels and its value. */
export interface Sample {
  /** `''` for gauges; `'_total'` for counters; `'_bucket'`, `'_sum'`, `'_count'` for histograms. */
  readonly suffix: string;
  /** Labels already rendered and escaped, without braces: `kind="minor",le="0.001"`; `''` for none. */
  readonly labels: string;
  readonly value: number;
}

/**
 * A metric family. For counters `name` is the OpenMetrics family name, without `_total`; every
 * counter sample carries the `_total` suffix in both formats, so Prometheus stores the same
 * series whichever format it negotiated.
 */
export interface Family {
  readonly name: string;
  readonly type: FamilyType;
  readonly help: string;
  readonly samples: Sample[];
}

/** Builds families in order, with the few helpers every source needs. */
export class FamilyList {
  readonly families: Family[] = [];

  gauge(name: string, help: string, value: number, labels = ''): void {
    this.families.push({ name, type: 'gauge', help, samples: [{ suffix: '', labels, value }] });
  }

  /** A counter; `name` is the family name, without `_total`. */
  counter(name: string, help: string, value: number, labels = ''): void {
    this.families.push({ name, type: 'counter', help, samples: [{ suffix: '_total', labels, value }] });
  }

  /** A family whose samples the caller adds. */
  open(name: string, type: FamilyType, help: string): Sample[] {
    const samples: Sample[] = [];
    this.families.push({ name, type, help, samples });
    return samples;
  }
}

/** `key="value"` with the value escaped as both formats require (backslash, quote, newline). */
export function label(key: string, value: string): string {
  return `${key}="${escapeLabelValue(value)}"`;
}

const LABEL_UNSAFE = /[\\"\n]/;

export function escapeLabelValue(value: string): string {
  if (!LABEL_UNSAFE.test(value)) return value;
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Appends histogram samples (cumulative buckets, `+Inf`, sum, count) for one label set. */
export function pushHistogram(
  samples: Sample[],
  labels: string,
  bounds: readonly number[],
  cumulative: ArrayLike<number>,
  sum: number,
  count: number,
): void {
  const prefix = labels === '' ? '' : `${labels},`;
  for (let i = 0; i < bounds.length; i++) {
    samples.push({ suffix: '_bucket', labels: `${prefix}le="${formatValue(bounds[i]!)}"`, value: cumulative[i]! });
  }
  samples.push({ suffix: '_bucket', labels: `${prefix}le="+Inf"`, value: count });
  samples.push({ suffix: '_sum', labels, value: sum });
  samples.push({ suffix: '_count', labels, value: count });
}

/** A sample value as both formats spell it: `+Inf`, `-Inf`, `NaN`, else JavaScript's shortest form. */
export function formatValue(value: number): string {
  if (Number.isFinite(value)) return String(value);
  if (Number.isNaN(value)) return 'NaN';
  return value > 0 ? '+Inf' : '-Inf';
}
