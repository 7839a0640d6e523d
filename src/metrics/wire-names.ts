/**
 * How a name recorded through hmetrics becomes a name on each wire, in one place so every sink
 * applies the same rule (the rules are written out in docs/outputs.md, one table per output).
 *
 * - statsd and the Heroku / log payloads: `[A-Za-z0-9_.-]`, anything else `_` (`sanitizeName`).
 * - Prometheus text 0.0.4 and OpenMetrics 1.0: `[a-zA-Z][a-zA-Z0-9_]*`.
 * - OTLP: an OpenTelemetry instrument name, `[A-Za-z][A-Za-z0-9_.-]{0,254}`.
 *
 * A name that does not start with an ASCII letter gets the prefix `metric_` (`9lives` →
 * `metric_9lives`): Prometheus reserves names that start with `_`, OpenTelemetry asks for a
 * letter. Characters outside the set become `_` one for one (a UTF-16 unit each), so the map is
 * deterministic; two names that map to the same wire name are settled by the sink (the first
 * recorded keeps the name, the other is left out and counted), never sent as one mixed series.
 */

const PROMETHEUS_UNSAFE = /[^a-zA-Z0-9_]/g;
const OTLP_UNSAFE = /[^A-Za-z0-9_.-]/g;
const STARTS_WITH_LETTER = /^[A-Za-z]/;

/** The prefix of a wire name whose source does not start with an ASCII letter. */
export const NAME_PREFIX = 'metric_';

/** OpenTelemetry's instrument name limit, characters. */
export const OTLP_NAME_MAX = 255;

/**
 * A Prometheus metric family name: `[a-zA-Z][a-zA-Z0-9_]*`. Colons are left to recording rules
 * (the naming guide reserves them), so they become `_` like every other character.
 */
export function prometheusName(name: string): string {
  const clean = name.replace(PROMETHEUS_UNSAFE, '_');
  return STARTS_WITH_LETTER.test(clean) ? clean : `${NAME_PREFIX}${clean}`;
}

/**
 * An OTLP metric name: `[A-Za-z][A-Za-z0-9_.-]*`, at most 255 characters. A longer name keeps
 * its first 246 characters plus `_` and 8 hex digits of a hash of the whole source name, so two
 * long names that share a start stay apart.
 */
export function otlpName(name: string): string {
  let clean = name.replace(OTLP_UNSAFE, '_');
  if (!STARTS_WITH_LETTER.test(clean)) clean = `${NAME_PREFIX}${clean}`;
  if (clean.length <= OTLP_NAME_MAX) return clean;
  return `${clean.slice(0, OTLP_NAME_MAX - 9)}_${fnv1a(name).toString(16).padStart(8, '0')}`;
}

/** Suffixes the expositions add to a family name, by type (OpenMetrics 1.0 and text 0.0.4 together). */
const EXPOSED_SUFFIXES = {
  counter: ['', '_total', '_created'],
  gauge: [''],
  histogram: ['', '_bucket', '_count', '_sum', '_created'],
} as const;

/**
 * Every sample or family name a family of this type claims. Two families whose claims meet
 * (`increment('jobs')` claims `jobs_total`, `set('jobs.total', 7)` claims it too) cannot both be
 * exposed: a parser reads one family's samples as the other's.
 */
export function claimedNames(name: string, type: keyof typeof EXPOSED_SUFFIXES): string[] {
  return EXPOSED_SUFFIXES[type].map((suffix) => name + suffix);
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * `text` with each lone UTF-16 surrogate replaced by U+FFFD, as `String.prototype.toWellFormed`
 * does (ES2024): text on a UTF-8 wire (OTLP's JSON mapping above all) must be valid Unicode.
 */
export function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, '\uFFFD');
}

/** 32-bit FNV-1a over UTF-16 units. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}
