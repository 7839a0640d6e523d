/**
 * The smallest protobuf writer the OTLP messages need: varints, 64-bit fixed fields, doubles,
 * UTF-8 strings and nested (length-delimited) messages. A nested message is written in place
 * and its length inserted afterwards (one `copyWithin` of its bytes), so no size pass is needed.
 */
const WIRE = { varint: 0, fixed64: 1, bytes: 2 } as const;
export { WIRE };

export class ProtoWriter {
  #buffer: Uint8Array;
  #view: DataView;
  /** Bytes written so far. */
  pos = 0;
  readonly #encoder = new TextEncoder();

  /** @param capacity initial buffer size, bytes; it doubles as needed */
  constructor(capacity = 8192) {
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

  tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
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

  /** fixed64 / sfixed64 from a bigint (timestamps in ns). */
  fixed64(value: bigint): void {
    this.#ensure(8);
    this.#view.setBigUint64(this.pos, BigInt.asUintN(64, value), true);
    this.pos += 8;
  }

  /** fixed64 from a non-negative integer below 2^53 (counts). */
  fixed64Number(value: number): void {
    this.#ensure(8);
    this.#view.setUint32(this.pos, value >>> 0, true);
    this.#view.setUint32(this.pos + 4, Math.floor(value / 0x1_0000_0000) >>> 0, true);
    this.pos += 8;
  }

  double(value: number): void {
    this.#ensure(8);
    this.#view.setFloat64(this.pos, value, true);
    this.pos += 8;
  }

  /** A length-prefixed UTF-8 string (without its tag). */
  string(value: string): void {
    // Worst case 3 bytes per UTF-16 unit; the length prefix is written after encoding.
    this.#ensure(value.length * 3 + 5);
    const start = this.fork();
    const { written } = this.#encoder.encodeInto(value, this.#buffer.subarray(this.pos));
    this.pos += written;
    this.join(start);
  }

  /** Starts a nested message (after its tag); pass the result to `join`. */
  fork(): number {
    return this.pos;
  }

  /** Ends a nested message: inserts its length before its bytes. */
  join(start: number): void {
    const length = this.pos - start;
    const prefix = varintSize(length);
    this.#ensure(prefix);
    this.#buffer.copyWithin(start + prefix, start, this.pos);
    let v = length;
    let at = start;
    while (v >= 0x80) {
      this.#buffer[at++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    this.#buffer[at] = v;
    this.pos += prefix;
  }

  /** A copy of the bytes written. */
  finish(): Uint8Array {
    return this.#buffer.slice(0, this.pos);
  }
}

function varintSize(value: number): number {
  let size = 1;
  let v = value;
  while (v >= 0x80) {
    size++;
    v = Math.floor(v / 0x80);
  }
  return size;
}
