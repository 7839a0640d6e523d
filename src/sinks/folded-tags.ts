import { sanitizeName, type Tags } from '../metrics/series.js';
import type { Snapshot } from '../metrics/snapshot.js';

/** The answer header by which an endpoint (the `hmetrics receive` live page) asks a Heroku sink for `foldedTags` (lower case, as Node gives it). */
export const TAGS_HEADER = 'hmetrics-tags';
/** Tags listed per payload at most: the map is a view's aid, never a second copy of a hostile cardinality. */
export const MAX_FOLDED_TAGS = 1_000;
/** Longest original tag listed (a route tag is cut at 128 characters before it gets here). */
export const MAX_FOLDED_TAG_LENGTH = 256;

/**
 * The tags of `snapshot` that flattening changed, as folded form → original
 * (`route__api_users__id` → `route:/api/users/:id`), so a view of flat names (the live page)
 * can show what was recorded. Names themselves stay as each output's rule makes them.
 */
export function foldedTags(snapshot: Snapshot): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  let size = 0;
  const add = (tags: Tags): void => {
    for (const tag of tags) {
      if (size >= MAX_FOLDED_TAGS || tag.length > MAX_FOLDED_TAG_LENGTH) continue;
      const joined = tag.replace(':', '_');
      const folded = sanitizeName(joined);
      if (folded === joined || folded in out) continue;
      out[folded] = tag;
      size++;
    }
  };
  for (const point of snapshot.counters.values()) add(point.tags);
  for (const point of snapshot.gauges.values()) add(point.tags);
  for (const point of snapshot.timers.values()) add(point.tags);
  for (const point of snapshot.sets.values()) add(point.tags);
  return out;
}
