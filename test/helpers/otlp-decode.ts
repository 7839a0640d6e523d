/**
 * A hand-written protobuf decoder for `ExportMetricsServiceRequest` (test helper). It turns the
 * bytes into the shape of OTLP's JSON mapping as the official JS serializer writes it, so a
 * decoded protobuf request can be compared with `JSON.parse` of a JSON one. It is itself
 * checked against the official proto exporter first (otlp-decoder.test.ts).
 */
type Json = Record<string, unknown>;

class Reader {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  pos: number;
  readonly end: number;

  constructor(bytes: Uint8Array, start = 0, end = bytes.length) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = start;
    this.end = end;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  varint(): bigint {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (this.pos >= this.end) throw new Error('truncated varint');
      const byte = this.#bytes[this.pos++]!;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 63n) throw new Error('varint too long');
    }
  }

  tag(): { field: number; wire: number } {
    const tag = Number(this.varint());
    return { field: tag >>> 3, wire: tag & 7 };
  }

  fixed64(): bigint {
    this.#need(8);
    const value = this.#view.getBigUint64(this.pos, true);
    this.pos += 8;
    return value;
  }

  double(): number {
    this.#need(8);
    const value = this.#view.getFloat64(this.pos, true);
    this.pos += 8;
    return value;
  }

  /** The sub-reader of a length-delimited field. */
  sub(): Reader {
    const length = Number(this.varint());
    this.#need(length);
    const reader = new Reader(this.#bytes, this.pos, this.pos + length);
    this.pos += length;
    return reader;
  }

  string(): string {
    const sub = this.sub();
    return new TextDecoder('utf-8', { fatal: true }).decode(this.#bytes.subarray(sub.pos, sub.end));
  }

  skip(wire: number): void {
    if (wire === 0) this.varint();
    else if (wire === 1) { this.#need(8); this.pos += 8; }
    else if (wire === 2) this.sub();
    else if (wire === 5) { this.#need(4); this.pos += 4; }
    else throw new Error(`unsupported wire type ${wire}`);
  }

  #need(n: number): void {
    if (this.pos + n > this.end) throw new Error('truncated message');
  }
}

/** Each field's handler; unknown fields are skipped, as protobuf requires. */
function read(reader: Reader, handle: (field: number, wire: number, r: Reader) => boolean): void {
  while (!reader.done) {
    const { field, wire } = reader.tag();
    if (!handle(field, wire, reader)) reader.skip(wire);
  }
}

function int64(value: bigint): number {
  return Number(BigInt.asIntN(64, value));
}

function anyValue(r: Reader): Json {
  const out: Json = {};
  read(r, (field, wire, x) => {
    if (field === 1 && wire === 2) out['stringValue'] = x.string();
    else if (field === 2 && wire === 0) out['boolValue'] = x.varint() !== 0n;
    else if (field === 3 && wire === 0) out['intValue'] = int64(x.varint());
    else if (field === 4 && wire === 1) out['doubleValue'] = x.double();
    else if (field === 5 && wire === 2) {
      const values: Json[] = [];
      read(x.sub(), (f, w, y) => (f === 1 && w === 2 ? (values.push(anyValue(y.sub())), true) : false));
      out['arrayValue'] = { values };
    } else return false;
    return true;
  });
  return out;
}

function keyValue(r: Reader): Json {
  const out: Json = { key: '', value: {} };
  read(r, (field, wire, x) => {
    if (field === 1 && wire === 2) out['key'] = x.string();
    else if (field === 2 && wire === 2) out['value'] = anyValue(x.sub());
    else return false;
    return true;
  });
  return out;
}

function numberPoint(r: Reader): Json {
  const out: Json = { attributes: [] };
  read(r, (field, wire, x) => {
    if (field === 2 && wire === 1) out['startTimeUnixNano'] = x.fixed64().toString();
    else if (field === 3 && wire === 1) out['timeUnixNano'] = x.fixed64().toString();
    else if (field === 4 && wire === 1) out['asDouble'] = x.double();
    else if (field === 6 && wire === 1) out['asInt'] = int64(x.fixed64());
    else if (field === 7 && wire === 2) (out['attributes'] as Json[]).push(keyValue(x.sub()));
    else return false;
    return true;
  });
  return out;
}

function histogramPoint(r: Reader): Json {
  const out: Json = { attributes: [], bucketCounts: [], explicitBounds: [], count: 0 };
  read(r, (field, wire, x) => {
    if (field === 2 && wire === 1) out['startTimeUnixNano'] = x.fixed64().toString();
    else if (field === 3 && wire === 1) out['timeUnixNano'] = x.fixed64().toString();
    else if (field === 4 && wire === 1) out['count'] = Number(x.fixed64());
    else if (field === 5 && wire === 1) out['sum'] = x.double();
    else if (field === 6 && wire === 2) {
      const packed = x.sub();
      while (!packed.done) (out['bucketCounts'] as number[]).push(Number(packed.fixed64()));
    } else if (field === 7 && wire === 2) {
      const packed = x.sub();
      while (!packed.done) (out['explicitBounds'] as number[]).push(packed.double());
    } else if (field === 9 && wire === 2) (out['attributes'] as Json[]).push(keyValue(x.sub()));
    else if (field === 11 && wire === 1) out['min'] = x.double();
    else if (field === 12 && wire === 1) out['max'] = x.double();
    else return false;
    return true;
  });
  return out;
}

function dataSection(r: Reader, point: (r: Reader) => Json, withMonotonic: boolean, withTemporality: boolean): Json {
  const out: Json = { dataPoints: [] };
  if (withTemporality) out['aggregationTemporality'] = 0;
  if (withMonotonic) out['isMonotonic'] = false;
  read(r, (field, wire, x) => {
    if (field === 1 && wire === 2) (out['dataPoints'] as Json[]).push(point(x.sub()));
    else if (field === 2 && wire === 0 && withTemporality) out['aggregationTemporality'] = Number(x.varint());
    else if (field === 3 && wire === 0 && withMonotonic) out['isMonotonic'] = x.varint() !== 0n;
    else return false;
    return true;
  });
  return out;
}

function metric(r: Reader): Json {
  const out: Json = { name: '', description: '', unit: '' };
  read(r, (field, wire, x) => {
    if (field === 1 && wire === 2) out['name'] = x.string();
    else if (field === 2 && wire === 2) out['description'] = x.string();
    else if (field === 3 && wire === 2) out['unit'] = x.string();
    else if (field === 5 && wire === 2) out['gauge'] = dataSection(x.sub(), numberPoint, false, false);
    else if (field === 7 && wire === 2) out['sum'] = dataSection(x.sub(), numberPoint, true, true);
    else if (field === 9 && wire === 2) out['histogram'] = dataSection(x.sub(), histogramPoint, false, true);
    else return false;
    return true;
  });
  return out;
}

function scope(r: Reader): Json {
  const out: Json = { name: '' };
  read(r, (field, wire, x) => {
    if (field === 1 && wire === 2) out['name'] = x.string();
    else if (field === 2 && wire === 2) out['version'] = x.string();
    else return false;
    return true;
  });
  return out;
}

function scopeMetrics(r: Reader): Json {
  const out: Json = { scope: { name: '' }, metrics: [] };
  read(r, (field, wire, x) => {
    if (field === 1 && wire === 2) out['scope'] = scope(x.sub());
    else if (field === 2 && wire === 2) (out['metrics'] as Json[]).push(metric(x.sub()));
    else if (field === 3 && wire === 2) out['schemaUrl'] = x.string();
    else return false;
    return true;
  });
  return out;
}

function resource(r: Reader): Json {
  const out: Json = { attributes: [], droppedAttributesCount: 0 };
  read(r, (field, wire, x) => {
    if (field === 1 && wire === 2) (out['attributes'] as Json[]).push(keyValue(x.sub()));
    else if (field === 2 && wire === 0) out['droppedAttributesCount'] = Number(x.varint());
    else return false;
    return true;
  });
  return out;
}

function resourceMetrics(r: Reader): Json {
  const out: Json = { resource: { attributes: [], droppedAttributesCount: 0 }, scopeMetrics: [] };
  read(r, (field, wire, x) => {
    if (field === 1 && wire === 2) out['resource'] = resource(x.sub());
    else if (field === 2 && wire === 2) (out['scopeMetrics'] as Json[]).push(scopeMetrics(x.sub()));
    else if (field === 3 && wire === 2) out['schemaUrl'] = x.string();
    else return false;
    return true;
  });
  return out;
}

/** Decodes an `ExportMetricsServiceRequest` into its JSON-mapping shape. Throws on malformed input. */
export function decodeExportRequest(bytes: Uint8Array): { resourceMetrics: Json[] } {
  const out: Json[] = [];
  read(new Reader(bytes), (field, wire, x) => (field === 1 && wire === 2 ? (out.push(resourceMetrics(x.sub())), true) : false));
  return { resourceMetrics: out };
}

/** Encodes an `ExportMetricsServiceResponse` with a partial success (what a receiver answers). */
export function encodePartialSuccess(rejected: number, message: string): Uint8Array {
  const text = new TextEncoder().encode(message);
  const inner = [0x08, ...varint(rejected), 0x12, ...varint(text.length), ...text];
  return Uint8Array.from([0x0a, ...varint(inner.length), ...inner]);
}

function varint(n: number): number[] {
  const out: number[] = [];
  let v = n;
  while (v >= 0x80) {
    out.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  out.push(v);
  return out;
}
