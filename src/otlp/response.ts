/**
 * What an OTLP collector says besides its status: `partial_success` of an
 * `ExportMetricsServiceResponse` (protobuf or JSON). `Retry-After` is the delivery policy's (src/delivery).
 */
export interface PartialSuccess {
  readonly rejectedDataPoints: number;
  readonly errorMessage: string;
}

/** The partial success in a 2xx answer, or undefined when there is none (or it is unreadable). */
export function readPartialSuccess(bytes: Uint8Array, contentType: string | undefined): PartialSuccess | undefined {
  if (bytes.length === 0) return undefined;
  try {
    return (contentType ?? '').includes('json') ? fromJson(bytes) : fromProtobuf(bytes);
  } catch {
    return undefined; // an answer we cannot read is still a success
  }
}

function fromJson(bytes: Uint8Array): PartialSuccess | undefined {
  const parsed = JSON.parse(new TextDecoder().decode(bytes)) as { partialSuccess?: { rejectedDataPoints?: unknown; errorMessage?: unknown } };
  const partial = parsed?.partialSuccess;
  if (typeof partial !== 'object' || partial === null) return undefined;
  return normalise(Number(partial.rejectedDataPoints ?? 0), typeof partial.errorMessage === 'string' ? partial.errorMessage : '');
}

function fromProtobuf(bytes: Uint8Array): PartialSuccess | undefined {
  let result: PartialSuccess | undefined;
  walk(bytes, (field, value) => {
    if (field === 1 && value instanceof Uint8Array) {
      let rejected = 0;
      let message = '';
      walk(value, (inner, innerValue) => {
        if (inner === 1 && typeof innerValue === 'number') rejected = innerValue;
        if (inner === 2 && innerValue instanceof Uint8Array) message = new TextDecoder().decode(innerValue);
      });
      result = normalise(rejected, message);
    }
  });
  return result;
}

function normalise(rejected: number, message: string): PartialSuccess | undefined {
  const count = Number.isFinite(rejected) && rejected > 0 ? rejected : 0;
  return count === 0 && message === '' ? undefined : { rejectedDataPoints: count, errorMessage: message.slice(0, 500) };
}

/** Calls `visit` with each top-level field: varints as numbers, length-delimited as bytes. */
function walk(bytes: Uint8Array, visit: (field: number, value: number | Uint8Array) => void): void {
  let pos = 0;
  const varint = (): number => {
    let result = 0;
    let scale = 1;
    for (;;) {
      if (pos >= bytes.length) throw new Error('truncated');
      const byte = bytes[pos++]!;
      result += (byte & 0x7f) * scale;
      if ((byte & 0x80) === 0) return result;
      scale *= 128;
      if (scale > 2 ** 63) throw new Error('varint too long');
    }
  };
  while (pos < bytes.length) {
    const tag = varint();
    const field = Math.floor(tag / 8);
    const wire = tag % 8;
    if (wire === 0) visit(field, varint());
    else if (wire === 1) pos += 8;
    else if (wire === 5) pos += 4;
    else if (wire === 2) {
      const length = varint();
      if (pos + length > bytes.length) throw new Error('truncated');
      visit(field, bytes.subarray(pos, pos + length));
      pos += length;
    } else throw new Error(`wire type ${wire}`);
  }
}
