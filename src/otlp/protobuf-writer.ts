/**
 * The smallest protobuf writer the OTLP messages need: varints, 64-bit fixed fields, doubles,
 * UTF-8 strings and nested (length-delimited) messages.
 *
 * A nested message reserves one byte for its length and is written in place; only a message of
 * 128 bytes or more is shifted to make room for a longer length (most data points and
 * attributes are shorter, so they never move). Strings go straight into the buffer (one
 * `Buffer#write`, no intermediate array): what repeats every interval (a metric's name,
 * description and unit; an attribute set) is kept encoded one level up, in encode-proto.ts.
 * Measured in bench/otlp.bench.ts: without those caches and the in-place nesting, encoding took
 * about 3× as long.
 */
export const WIRE = { varint: 0, fixed64: 1, bytes: 2 } as const;

const encoder = new TextEncoder();

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

  /**
   * A length-prefixed UTF-8 string (without its tag), written in place. A lone UTF-16 surrogate
   * becomes U+FFFD, as `TextEncoder` makes it.
   */
  string(value: string): void {
    // Three bytes at most per UTF-16 unit (a surrogate pair is four bytes for two units).
    this.#ensure(1 + value.length * 3);
    const start = this.pos++;
    this.pos += encoder.encodeInto(value, this.#buffer.subarray(this.pos)).written;
    this.join(start);
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
    // One TypedArray#set, not a byte loop: in a process that exports once a minute this code
    // never gets hot, and an interpreted byte loop cost a short job's export ~0.4 M instructions.
    this.#buffer.set(value, this.pos);
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

  /** A copy of the bytes written since `start` (what encode-proto.ts keeps for the next exports). */
  copy(start: number): Uint8Array {
    return this.#buffer.slice(start, this.pos);
  }

  /** A copy of the bytes written. */
  finish(): Uint8Array {
    // Not zero-filled first (every byte is overwritten): measurably cheaper than slice() for 20 KB.
    const out = Buffer.allocUnsafe(this.pos);
    out.set(this.#buffer.subarray(0, this.pos));
    return out;
  }
}
