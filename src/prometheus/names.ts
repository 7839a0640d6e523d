import type { Tags } from '../metrics/series.js';
import { prometheusName } from '../metrics/wire-names.js';
import { label } from './family.js';

const LABEL_UNSAFE = /[^a-zA-Z0-9_]/g;

/**
 * A Prometheus metric name, `[a-zA-Z][a-zA-Z0-9_]*` (see `prometheusName` in wire-names.ts):
 * every other character becomes `_` (`api.latency-ms` → `api_latency_ms`), and a name that does
 * not start with a letter gets `metric_` in front (`9lives` → `metric_9lives`), never a `_`.
 */
export function metricName(name: string): string {
  return prometheusName(name);
}

/** Time units a pushed name may end with, and the factor to seconds. */
const TIME_UNITS: Readonly<Record<string, number>> = {
  ms: 1e-3, milliseconds: 1e-3, us: 1e-6, microseconds: 1e-6, ns: 1e-9, nanoseconds: 1e-9, sec: 1, seconds: 1,
};
const TRAILING_TIME_UNIT = /_(ms|milliseconds|us|microseconds|ns|nanoseconds|sec|seconds)$/;

/**
 * The Prometheus name of a pushed series and the factor its values are multiplied by: a name
 * ending in a time unit is exposed in seconds, Prometheus' base unit (`api.latency.ms` →
 * `api_latency_seconds`, values ÷ 1000), as the naming rules and `promtool check metrics` ask;
 * every other name is `metricName()` with its values as recorded.
 */
export function pushedName(name: string): { readonly name: string; readonly scale: number } {
  const clean = metricName(name);
  const match = TRAILING_TIME_UNIT.exec(clean);
  if (match === null) return { name: clean, scale: 1 };
  return { name: `${clean.slice(0, match.index)}_seconds`, scale: TIME_UNITS[match[1]!]! };
}

/** Label names the exposition itself uses (histogram buckets, cluster workers): tags named so get a `tag_` prefix. */
const RESERVED_LABELS = new Set(['le', 'quantile', 'worker']);

/**
 * A label name, `[a-zA-Z_][a-zA-Z0-9_]*`: other characters become `_`, a leading digit gets `_`,
 * and names Prometheus reserves (`__…`) or the exposition uses (`le`, `quantile`, `worker`) get
 * a `tag_` prefix.
 */
export function labelName(name: string): string {
  let clean = name.replace(LABEL_UNSAFE, '_');
  if (clean === '') clean = '_';
  if (clean.charCodeAt(0) >= 48 && clean.charCodeAt(0) <= 57) clean = `_${clean}`;
  if (clean.startsWith('__') || RESERVED_LABELS.has(clean)) clean = `tag_${clean}`;
  return clean;
}

/**
 * DogStatsD-style tags as rendered labels: `key:value` → `key="value"`; a tag without a value
 * → `key="true"`. Sorted by label name; when two tags give the same label name, the first wins.
 */
export function tagLabels(tags: Tags): string {
  if (tags.length === 0) return '';
  const pairs = new Map<string, string>();
  for (const tag of tags) {
    const colon = tag.indexOf(':');
    const key = labelName(colon < 0 ? tag : tag.slice(0, colon));
    if (!pairs.has(key)) pairs.set(key, colon < 0 ? 'true' : tag.slice(colon + 1));
  }
  return [...pairs.keys()].sort().map((key) => label(key, pairs.get(key)!)).join(',');
}
