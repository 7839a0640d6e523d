import { foldTags, sanitizeName, type Tags } from '../../metrics/series.js';
import type { PointBase } from '../../metrics/snapshot.js';
import { tagKey, type StatsdTagsMode } from './conventions.js';

/** The naming settings of the statsd encoder (see `StatsdEncodeOptions`). */
export interface LineNamingOptions {
  readonly prefix?: string;
  readonly tags?: Tags;
  readonly tagsMode?: StatsdTagsMode;
}

const UNSAFE_NAME = /[^A-Za-z0-9_.-]/g;

/** The parts of a series' lines besides the value and type. */
export interface LineParts {
  /** `prefix.name:` (ASCII: its length is its size in bytes). */
  readonly head: string;
  /** `|#k:v,…`, or empty. */
  readonly tags: string;
  readonly tagBytes: number;
}

/** What a tags array turns into: its DogStatsD suffix, or the text it adds to a folded name. */
interface TagText {
  readonly text: string;
  readonly bytes: number;
}

/**
 * Names and tags every line: `prefix.name:` and `|#k:v,…` (global tags merged in, the series'
 * own tag winning on a shared key), or with `tagsMode: 'none'` the tags folded into the name as
 * `flatName` does. Tag text is computed once per tags array and cached.
 */
export class LineNamer {
  readonly #prefix: string;
  readonly #global: Tags;
  readonly #globalKeys: ReadonlySet<string>;
  readonly #fold: boolean;
  readonly #untagged: TagText;
  #byTags = new WeakMap<Tags, TagText>();

  constructor(options: LineNamingOptions) {
    this.#prefix = (options.prefix ?? '').replace(UNSAFE_NAME, '_');
    this.#global = options.tags ?? [];
    this.#globalKeys = new Set(this.#global.map(tagKey));
    this.#fold = options.tagsMode === 'none';
    this.#untagged = this.#render(this.#global);
  }

  parts(point: PointBase): LineParts {
    let tagText = this.#untagged;
    if (point.tags.length > 0) {
      let cached = this.#byTags.get(point.tags);
      if (cached === undefined) {
        cached = this.#render(this.#merge(point.tags));
        this.#byTags.set(point.tags, cached);
      }
      tagText = cached;
    }
    const name = `${this.#prefix}${sanitizeName(point.name)}`;
    // Folded, the tag text is part of the name (ASCII once sanitised) and no tag goes on the wire.
    if (this.#fold) return { head: `${name}${tagText.text}:`, tags: '', tagBytes: 0 };
    return { head: `${name}:`, tags: tagText.text, tagBytes: tagText.bytes };
  }

  #render(tags: Tags): TagText {
    if (!this.#fold) {
      const text = tagSuffix(tags);
      return { text, bytes: byteLength(text) };
    }
    // flatName's rule, as the Heroku sink names tagged series.
    const text = tags.length === 0 ? '' : `.${foldTags(tags)}`;
    return { text, bytes: text.length };
  }

  /** Global tags, less those whose key the series has itself (the series' own tag wins). */
  #merge(tags: Tags): Tags {
    if (this.#global.length === 0) return tags;
    let overlap = false;
    for (const tag of tags) if (this.#globalKeys.has(tagKey(tag))) overlap = true;
    if (!overlap) return [...this.#global, ...tags];
    const own = new Set(tags.map(tagKey));
    return [...this.#global.filter((tag) => !own.has(tagKey(tag))), ...tags];
  }
}

// Characters that would end a tag, a section or a line in the DogStatsD grammar.
const UNSAFE_TAG = /[|,#\s]/g;

/** `|#k:v,k2:v2` (tags as given, their breaking characters replaced), or empty. */
function tagSuffix(tags: Tags): string {
  if (tags.length === 0) return '';
  let out = '|#';
  for (let i = 0; i < tags.length; i++) {
    if (i > 0) out += ',';
    out += tags[i]!.replace(UNSAFE_TAG, '_');
  }
  return out;
}

const NON_ASCII = /[^\x00-\x7f]/;

/** UTF-8 length; names are ASCII after sanitising, so the scan is usually the whole cost. */
export function byteLength(text: string): number {
  return NON_ASCII.test(text) ? Buffer.byteLength(text, 'utf8') : text.length;
}
