/**
 * The smallest protobuf writer the OTLP messages need: varints, 64-bit fixed fields, doubles,
 * UTF-8 strings and nested (length-delimited) messages.
 *
 * A nested message reserves one byte for its length and is written in place; only a message of
 * 128 bytes or more is shifted to make room for a longer length (most data points and
 * attributes are shorter, so they never move). Strings are encoded once and kept (bounded):
 * an export repeats the same names, keys and values every interval. Measured in
 * bench/otlp.bench.ts: without these two, encoding took about 3× as long.
 */
export const WIRE = { varint: 0, fixed64: 1, bytes: 2 } as const;

/** Encoded strings kept across exports; cleared when full, so hostile names cannot grow it. */
const STRING_CACHE = new Map<string, Uint8Array>();
const MAX_CACHED_STRINGS = 20_000;
const encoder = new TextEncoder();

/** A string's UTF-8 bytes, from the cache when it was seen before. */
export function utf8(value: string): Uint8Array {
  let bytes = STRING_CACHE.get(value);
  if (bytes === undefined) {
    if (STRING_CACHE.size >= MAX_CACHED_STRINGS) STRING_CACHE.clear();
    bytes = encoder.encode(value);
    STRING_CACHE.set(value, bytes);
  }
  return bytes;
}

export class ProtoWriter {
  #buffer: Uint8Array;
  #view: DataView;
  /** Bytes written so far. */
  pos = 0;

  /** @param capacity initial buffer size, bytes; it doubles as needed */
  constructor(capacity = 16_384) {
    this.#buffer = new Uint8Array(capacity);
    this.#view = new DataView(this.#buffer.buffer);
  }

  #ensure(bytes: number): void {
    if (this.pos + bytes <= this.#buffer.length) return;
    let size = this.#buffer.length * 2;
    while (size < this.pos + bytes) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.#buffer.subarray(0, this.pos));
    this.#buffer = grown;
    this.#view = new DataView(grown.buffer);
  }

  /** A field's tag: `field` below 16 fits one byte, which is all OTLP's metrics use. */
  tag(field: number, wire: number): void {
    const value = field * 8 + wire;
    if (value >= 0x80) {
      this.varint(value);
      return;
    }
    this.#ensure(1);
    this.#buffer[this.pos++] = value;
  }

  /** A non-negative integer below 2^53. */
  varint(value: number): void {
    this.#ensure(10);
    let v = value;
    while (v >= 0x80) {
      this.#buffer[this.pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.#buffer[this.pos++] = v;
  }

  /** fixed64 / sfixed64 as two 32-bit halves. */
  fixed64Parts(low: number, high: number): void {
    this.#ensure(8);
    this.#view.setUint32(this.pos, low, true);
    this.#view.setUint32(this.pos + 4, high, true);
    this.pos += 8;
  }

  /** fixed64 from a non-negative integer below 2^53 (counts). */
  fixed64Number(value: number): void {
    this.fixed64Parts(value >>> 0, Math.floor(value / 0x1_0000_0000) >>> 0);
  }

  double(value: number): void {
    this.#ensure(8);
    this.#view.setFloat64(this.pos, value, true);
    this.pos += 8;
  }

  /** A length-prefixed UTF-8 string (without its tag). */
  string(value: string): void {
    this.bytes(utf8(value));
  }

  /** Length-prefixed bytes (without the tag). */
  bytes(value: Uint8Array): void {
    this.varint(value.length);
    this.raw(value);
  }

  /** Bytes copied as they are (already-encoded fields). */
  raw(value: Uint8Array): void {
    const length = value.length;
    this.#ensure(length);
    // A byte loop beats TypedArray#set for the short fields that make up most of an export.
    if (length < 32) {
      const buffer = this.#buffer;
      let at = this.pos;
      for (let i = 0; i < length; i++) buffer[at++] = value[i]!;
    } else this.#buffer.set(value, this.pos);
    this.pos += length;
  }

  /** Starts a nested message (after its tag), reserving one byte for its length; pass the result to `join`. */
  fork(): number {
    this.#ensure(1);
    return this.pos++;
  }

  /** Ends a nested message: writes its length, moving its bytes only when the length needs more than one byte. */
  join(start: number): void {
    const length = this.pos - start - 1;
    if (length < 0x80) {
      this.#buffer[start] = length;
      return;
    }
    let extra = 0;
    for (let v = length; v >= 0x80; v = Math.floor(v / 0x80)) extra++;
    this.#ensure(extra);
    this.#buffer.copyWithin(start + 1 + extra, start + 1, this.pos);
    let v = length;
    let at = start;
    while (v >= 0x80) {
      this.#buffer[at++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.#buffer[at] = v;
    this.pos += extra;
  }

  /** A copy of the bytes written. */
  finish(): Uint8Array {
    // Not zero-filled first (every byte is overwritten): measurably cheaper than slice() for 20 KB.
    const out = Buffer.allocUnsafe(this.pos);
    out.set(this.#buffer.subarray(0, this.pos));
    return out;
  }
}
