/**
 * A series is a metric name plus its tags. Untagged series are keyed by the bare name, so the
 * hot path (a known, untagged key) looks up a string it already has and allocates nothing.
 */
export type Tags = readonly string[];

export const NO_TAGS: Tags = Object.freeze([]);

/** The key of a series: the name alone, or the name plus its tags sorted. */
export function seriesKey(name: string, tags: Tags): string {
  if (tags.length === 0) return name;
  return `${name}|#${[...tags].sort().join(',')}`;
}

const UNSAFE_NAME = /[^A-Za-z0-9_.-]/g;

/** Names as the Heroku endpoint and statsd servers accept them: `[A-Za-z0-9_.-]`, never empty. */
export function sanitizeName(name: string): string {
  const clean = name.replace(UNSAFE_NAME, '_');
  return clean.length === 0 ? '_' : clean;
}

/**
 * The name a tagged series takes in sinks that have no tags (Heroku, log):
 * `name.key_value.key2_value2`, tags sorted, each part sanitised.
 */
export function flatName(name: string, tags: Tags): string {
  if (tags.length === 0) return sanitizeName(name);
  return `${sanitizeName(name)}.${foldTags(tags)}`;
}

/** The part tags add to a flat name: `key_value.key2_value2`, sorted, each part sanitised. */
export function foldTags(tags: Tags): string {
  return [...tags].sort().map((tag) => sanitizeName(tag.replace(':', '_'))).join('.');
}
