import { NO_TAGS, seriesKey, type Tags } from '../metrics/series.js';
import { splitTags, type LineScan, type StatsdKind } from './parse.js';

/**
 * One series the receiver saw this interval. Counters and gauges are summed / kept here and
 * written to the aggregator once at the end of the interval: one aggregator call per series
 * instead of one per line.
 */
export interface SeriesCell {
  readonly name: string;
  readonly tags: Tags;
  /** Counter: the interval's sum, sample rates applied. Gauge: the last value. */
  value: number;
}

/** A spelling of a series as it appears on the wire (tags in the order written). */
interface Spelling {
  readonly kind: StatsdKind;
  readonly name: string;
  readonly rawTags: string;
  /** Undefined: the series was refused by the cap this interval. */
  readonly cell: SeriesCell | undefined;
  readonly next: Spelling | undefined;
}

const KIND_INDEX = { c: 0, g: 1, ms: 2, s: 3 } as const;
const KIND_CODE = { c: 1, g: 2, ms: 3, s: 4 } as const;

/**
 * Spellings kept per hash value. Past it a spelling takes the slow path (a Map keyed by the full
 * series key) on every line: a flood of crafted collisions costs at most this many comparisons
 * per line, never a chain as long as the flood.
 */
const MAX_CHAIN = 8;

/**
 * The series the receiver feeds per interval, capped at `maxSeries`, found straight from the
 * datagram's text: a line of a known series is matched by a hash of every character of its kind,
 * name and tags and compared in place, so it costs no slicing, no tag sorting and no string
 * allocation. Measured (bench/statsd.bench.ts --shapes, CPU time): names that differ at the
 * start, in the middle or at the end ingest within 10 % of each other (~2.3 M lines/s); a hash of
 * the first 4 and last 12 characters made the middle shape ~190× slower, and a plain Map keyed by
 * the sliced `kind name|#tags` was as fast on names but 1.3–1.5× slower on series that differ
 * only in a tag (it slices and hashes the tag list on every line). Names and tags are length-limited at parse time
 * (`maxNameBytes`, `maxTagBytes`), so hashing every character stays cheap and bounded.
 */
export class SeriesTable {
  readonly #maxSeries: number;
  readonly #maxSpellings: number;
  readonly #hashMask: number;
  /** Per table, so chains cannot be predicted from the published hash function alone. */
  readonly #seed = (Math.random() * 0x100000000) | 0;
  #spellings = new Map<number, Spelling>();
  #spellingCount = 0;
  #cells = newCellMaps();
  #count = 0;
  #comparisons = 0;
  /** Lines refused by the cap since the last `reset()`. */
  dropped = 0;

  /**
   * @param hashMask bits of the hash kept as the Map key (a small integer is a fast key); a
   *   smaller mask forces collisions, which is how the chain bound is tested.
   */
  constructor(maxSeries: number, hashMask = 0x3fffffff) {
    this.#maxSeries = maxSeries;
    this.#hashMask = hashMask;
    // Tag order permutations are separate spellings of one series; bounded, past it lookups
    // simply take the slow path.
    this.#maxSpellings = maxSeries * 2;
  }

  /**
   * Work done by lookups since the table was made: one per spelling compared in place plus one
   * per slow-path lookup. Lines divided into it is the mean probe length, the figure that shows
   * a hash that lumps series together (a diagnostic; it is not reset by `reset()`).
   */
  get comparisons(): number {
    return this.#comparisons;
  }

  /** The cell of the scanned line's series, or undefined when the cap refuses it (counted). */
  lookup(text: string, scan: LineScan): SeriesCell | undefined {
    const { kind, nameStart, nameEnd, tagsStart, tagsEnd } = scan;
    let hash = fullHash(text, nameStart, nameEnd, this.#seed ^ KIND_CODE[kind]);
    if (tagsEnd > tagsStart) hash = fullHash(text, tagsStart, tagsEnd, hash);
    hash &= this.#hashMask;
    const nameLength = nameEnd - nameStart;
    const tagsLength = tagsEnd - tagsStart;
    let chain = 0;
    for (let s = this.#spellings.get(hash); s !== undefined; s = s.next) {
      chain++;
      if (
        s.kind === kind && s.name.length === nameLength && s.rawTags.length === tagsLength &&
        text.startsWith(s.name, nameStart) && (tagsLength === 0 || text.startsWith(s.rawTags, tagsStart))
      ) {
        this.#comparisons += chain;
        if (s.cell === undefined) this.dropped++;
        return s.cell;
      }
    }
    this.#comparisons += chain + 1;
    return this.#miss(text, scan, hash, chain);
  }

  /** The counter cells of this interval. */
  counters(): IterableIterator<SeriesCell> {
    return this.#cells[0].values();
  }

  /** The gauge cells of this interval. */
  gauges(): IterableIterator<SeriesCell> {
    return this.#cells[1].values();
  }

  /** Starts a new interval. */
  reset(): void {
    this.#spellings = new Map();
    this.#spellingCount = 0;
    this.#cells = newCellMaps();
    this.#count = 0;
    this.dropped = 0;
  }

  #miss(text: string, scan: LineScan, hash: number, chain: number): SeriesCell | undefined {
    const { kind, nameStart, nameEnd, tagsStart, tagsEnd } = scan;
    // Detached copies: a long-lived series must not pin a 64 KB datagram in memory.
    const name = detach(text.slice(nameStart, nameEnd));
    const tags = tagsEnd > tagsStart ? splitTags(text, tagsStart, tagsEnd).map(detach) : NO_TAGS;
    const cells = this.#cells[KIND_INDEX[kind]];
    const key = tags.length === 0 ? name : seriesKey(name, tags);
    let cell = cells.get(key);
    if (cell === undefined && this.#count < this.#maxSeries) {
      this.#count++;
      cell = { name, tags: tags.length === 0 ? NO_TAGS : tags, value: 0 };
      cells.set(key, cell);
    }
    if (cell === undefined) this.dropped++;
    if (this.#spellingCount < this.#maxSpellings && chain < MAX_CHAIN) {
      this.#spellingCount++;
      const rawTags = tagsEnd > tagsStart ? detach(text.slice(tagsStart, tagsEnd)) : '';
      this.#spellings.set(hash, { kind, name, rawTags, cell, next: this.#spellings.get(hash) });
    }
    return cell;
  }
}

function newCellMaps(): [Map<string, SeriesCell>, Map<string, SeriesCell>, Map<string, SeriesCell>, Map<string, SeriesCell>] {
  return [new Map(), new Map(), new Map(), new Map()];
}

/** FNV-1a over every character of `text[start, end)`, continuing from `seed`. */
function fullHash(text: string, start: number, end: number, seed: number): number {
  let hash = seed;
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 16777619);
  return hash;
}

/** A copy of `text` that does not share the memory of the string it was sliced from. */
export function detach(text: string): string {
  // Slicing a concatenation flattens it into a new string first, so the result's parent is
  // that small new string, not the datagram.
  return (text + ' ').slice(0, -1);
}
