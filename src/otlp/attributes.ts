import type { Tags } from '../metrics/series.js';
import type { Attributes } from './model.js';
import type { Descriptor } from './semconv.js';
import { wellFormed } from '../metrics/wire-names.js';

const NO_ATTRIBUTES: Attributes = Object.freeze([]);
/** Attributes by tags array: the aggregator hands the same array for a series every interval. */
const attributesByTags = new WeakMap<Tags, Attributes>();
const attributesByDescriptor = new WeakMap<Descriptor, Attributes>();

/** Tags `k:v` become attributes; a tag without a value gets an empty string; the first of a key wins. */
export function toAttributes(tags: Tags, descriptor: Descriptor): Attributes {
  if (descriptor.attributes) return descriptor.attributes(tags);
  const extra = descriptor.attribute;
  if (tags.length === 0) {
    if (!extra) return NO_ATTRIBUTES;
    let cached = attributesByDescriptor.get(descriptor);
    if (cached === undefined) {
      cached = [extra];
      attributesByDescriptor.set(descriptor, cached);
    }
    return cached;
  }
  if (!extra) {
    const cached = attributesByTags.get(tags);
    if (cached !== undefined) return cached;
  }
  const out: [string, string][] = [];
  const seen = new Set<string>();
  for (const tag of tags) {
    const colon = tag.indexOf(':');
    const key = colon === -1 ? tag : tag.slice(0, colon);
    if (seen.has(key)) continue;
    seen.add(key);
    // A lone UTF-16 surrogate has no UTF-8 form: the JSON mapping would carry it as `\ud83d`,
    // which strict parsers refuse, and protobuf as U+FFFD. Both get U+FFFD.
    out.push([wellFormed(key), colon === -1 ? '' : wellFormed(tag.slice(colon + 1))]);
  }
  if (extra) {
    if (!seen.has(extra[0])) out.push([extra[0], extra[1]]);
  } else attributesByTags.set(tags, out);
  return out;
}
