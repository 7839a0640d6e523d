import { formatNumber } from '../../metrics/format-number.js';
import type { Tags } from '../../metrics/series.js';
import type { Snapshot, TimerPoint } from '../../metrics/snapshot.js';
import type { StatsdTagsMode } from './conventions.js';
import { byteLength, LineNamer } from './line-namer.js';

/** Limits of the statsd encoding. */
export interface StatsdEncodeOptions {
  /** Largest datagram, bytes (1432 fits a 1500-byte MTU after IPv6 and UDP headers). @default 1432 */
  readonly maxDatagramSize?: number;
  /**
   * Timer values sent per series per interval; past it a uniform sample is sent with `|@rate`
   * so the server's counts still come out right.
   * @default 1000
   */
  readonly maxTimerValues?: number;
  /** Prepended to every name; characters outside `[A-Za-z0-9_.-]` become `_`. @default '' */
  readonly prefix?: string;
  /** `key:value` tags added to every line; a series' own tag with the same key wins. @default [] */
  readonly tags?: Tags;
  /** `dogstatsd`: tags as `|#k:v`; `none`: no tags, folded into the name. @default 'dogstatsd' */
  readonly tagsMode?: StatsdTagsMode;
}

export const ENCODE_DEFAULTS = { maxDatagramSize: 1432, maxTimerValues: 1000 } as const;

/** One interval as datagram payloads. */
export interface EncodedSnapshot {
  /** Each at most `maxDatagramSize` bytes, lines joined by `\n`, no line split across two. */
  readonly datagrams: string[];
  /** Lines dropped because a single one is longer than a datagram. */
  readonly oversizeLines: number;
}

/**
 * Turns a snapshot into statsd lines: counters `c` (fractions kept), gauges `g` (a negative one
 * preceded by `name:0|g` in the same datagram, so servers that read a sign as relative still land
 * on the value), timers as raw `ms` values, sets as one `s` line per member; tags last as
 * DogStatsD `|#k:v,…` (or folded into names with `tagsMode: 'none'`). Values are written by
 * `formatNumber` (integers exact, ms to 3 decimals, fractions to 4 significant digits); NaN and
 * ±Infinity are skipped. An options object is read once and its naming cached: to change the
 * prefix or tags, pass a new object.
 */
export function encodeSnapshot(snapshot: Snapshot, options: StatsdEncodeOptions = NO_OPTIONS): EncodedSnapshot {
  const maxTimerValues = options.maxTimerValues ?? ENCODE_DEFAULTS.maxTimerValues;
  const packer = new DatagramPacker(options.maxDatagramSize ?? ENCODE_DEFAULTS.maxDatagramSize);
  const namer = namerFor(options);
  // Byte lengths are summed from parts: names are ASCII once sanitised, numbers always are, so
  // only tags and set members need measuring, once per series or member.
  for (const point of snapshot.counters.values()) {
    const value = formatNumber(point.value);
    if (value === undefined) continue;
    const { head, tags, tagBytes } = namer.parts(point);
    packer.add(`${head}${value}|c${tags}`, head.length + value.length + 2 + tagBytes);
  }
  for (const point of snapshot.gauges.values()) {
    const value = formatNumber(point.value);
    if (value === undefined) continue;
    const { head, tags, tagBytes } = namer.parts(point);
    const tail = `|g${tags}`;
    const bytes = head.length + value.length + 2 + tagBytes;
    // Only text that reads negative needs the reset first (`-0` and -1e-12 print as "0").
    if (value.startsWith('-')) packer.add(`${head}0${tail}\n${head}${value}${tail}`, 2 * bytes - value.length + 2);
    else packer.add(head + value + tail, bytes);
  }
  for (const point of snapshot.timers.values()) encodeTimer(packer, namer, point, maxTimerValues);
  for (const point of snapshot.sets.values()) {
    const { head, tags, tagBytes } = namer.parts(point);
    const tail = `|s${tags}`;
    const fixed = head.length + 2 + tagBytes;
    for (const member of point.values) {
      const clean = sanitizeMember(member);
      packer.add(head + clean + tail, fixed + byteLength(clean));
    }
  }
  return { datagrams: packer.finish(), oversizeLines: packer.oversize };
}

// One namer per options object: a sink passes the same object every interval, so what the namer
// caches per tags array (aggregator cells keep theirs across intervals) is reused.
const namers = new WeakMap<StatsdEncodeOptions, LineNamer>();
const NO_OPTIONS: StatsdEncodeOptions = Object.freeze({});

function namerFor(options: StatsdEncodeOptions): LineNamer {
  let namer = namers.get(options);
  if (namer === undefined) {
    namer = new LineNamer(options);
    namers.set(options, namer);
  }
  return namer;
}

function encodeTimer(packer: DatagramPacker, namer: LineNamer, point: TimerPoint, maxValues: number): void {
  let values = point.values;
  if (values.length === 0) return;
  if (values.length > maxValues) values = uniformSample(values, maxValues);
  // What is sent stands for `count` timings: the server multiplies by 1/rate to get it back.
  const rate = values.length >= point.count ? 1 : values.length / point.count;
  const { head, tags, tagBytes } = namer.parts(point);
  const attributes = `|ms${rate === 1 ? '' : `|@${formatRate(rate)}`}`;
  const tail = attributes + tags;
  const fixed = head.length + attributes.length + tagBytes;
  for (const value of values) {
    const text = formatNumber(value);
    if (text === undefined) continue;
    packer.add(head + text + tail, fixed + text.length);
  }
}

/**
 * A sample rate with 6 significant digits, in plain decimals: the server's count is
 * values / rate, so the rate keeps more digits than a measured value (1000 / 3333 → 0.30003).
 */
function formatRate(rate: number): string {
  const decimals = Math.min(20, 5 - Math.floor(Math.log10(rate)));
  const text = rate.toFixed(decimals);
  return text.includes('.') ? text.replace(/\.?0+$/, '') : text;
}

/** `size` values drawn uniformly without replacement (partial Fisher–Yates on a copy). */
function uniformSample(values: readonly number[], size: number): number[] {
  const pool = values.slice();
  for (let i = 0; i < size; i++) {
    const j = i + Math.floor(Math.random() * (pool.length - i));
    const swap = pool[i]!;
    pool[i] = pool[j]!;
    pool[j] = swap;
  }
  pool.length = size;
  return pool;
}

// In a set member, ':' would read as a second packed value.
const UNSAFE_MEMBER = /[|:\s]/g;

function sanitizeMember(member: string): string {
  const clean = member.replace(UNSAFE_MEMBER, '_');
  return clean.length === 0 ? '_' : clean;
}

/** Fills datagrams line by line, never splitting a line (or a gauge's reset pair). */
class DatagramPacker {
  readonly #max: number;
  readonly #done: string[] = [];
  #current = '';
  #bytes = 0;
  oversize = 0;

  constructor(max: number) {
    this.#max = max;
  }

  /** Adds one line (or an unsplittable group of lines) of `bytes` UTF-8 bytes. */
  add(unit: string, bytes: number): void {
    if (bytes > this.#max) {
      this.oversize++;
      return;
    }
    if (this.#bytes === 0) {
      this.#current = unit;
      this.#bytes = bytes;
    } else if (this.#bytes + 1 + bytes <= this.#max) {
      this.#current += '\n' + unit;
      this.#bytes += 1 + bytes;
    } else {
      this.#done.push(this.#current);
      this.#current = unit;
      this.#bytes = bytes;
    }
  }

  finish(): string[] {
    if (this.#bytes > 0) this.#done.push(this.#current);
    this.#current = '';
    this.#bytes = 0;
    return this.#done;
  }
}
