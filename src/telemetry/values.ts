/**
 * What the buffer accepts: JSON's values and nothing else, so that what is emitted is exactly
 * what was recorded. Structures are copied at record time (a later mutation by the caller must
 * not change, or break, a payload) and count one buffer item per node.
 */

/** A value the buffer can hold (a `Date` is stored as its ISO string). */
export type TelemetryValue = string | number | boolean | null | Date | readonly TelemetryValue[] | { readonly [key: string]: TelemetryValue };

/** A value `appendUnique` can count (it needs a stable identity). */
export type UniqueValue = string | number | boolean | null;

/** Nodes one structured value may have. */
export const MAX_VALUE_NODES = 1_000;

/** A checked copy of a value, or why it was refused. */
export type Checked = { readonly ok: true; readonly value: unknown; readonly items: number } | { readonly ok: false; readonly reason: string };

/** Checks a primitive quickly; structures go through `checkStructure`. */
export function checkValue(value: unknown, maxStringLength: number): Checked {
  switch (typeof value) {
    case 'number':
      return Number.isFinite(value) ? { ok: true, value, items: 1 } : { ok: false, reason: `${String(value)} is not a finite number` };
    case 'string':
      return value.length <= maxStringLength ? { ok: true, value, items: 1 } : { ok: false, reason: tooLong(value, maxStringLength) };
    case 'boolean':
      return { ok: true, value, items: 1 };
    case 'object':
      return value === null ? { ok: true, value, items: 1 } : checkStructure(value, maxStringLength);
    default:
      return { ok: false, reason: `a ${typeof value} cannot be serialised` };
  }
}

function tooLong(value: string, max: number): string {
  return `a string of ${value.length} characters is over maxStringLength (${max})`;
}

class Refused {
  readonly reason: string;
  constructor(reason: string) {
    this.reason = reason;
  }
}

function checkStructure(root: object, maxStringLength: number): Checked {
  let nodes = 0;
  const path = new Set<object>();
  const copy = (value: unknown): unknown => {
    if (++nodes > MAX_VALUE_NODES) throw new Refused(`a value of more than ${MAX_VALUE_NODES} nodes`);
    switch (typeof value) {
      case 'number':
        if (!Number.isFinite(value)) throw new Refused(`${String(value)} (nested) is not a finite number`);
        return value;
      case 'string':
        if (value.length > maxStringLength) throw new Refused(tooLong(value, maxStringLength));
        return value;
      case 'boolean':
        return value;
      case 'object': {
        if (value === null) return null;
        if (value instanceof Date) {
          const time = value.getTime();
          if (!Number.isFinite(time)) throw new Refused('an invalid Date');
          return value.toISOString();
        }
        if (path.has(value)) throw new Refused('a value with a cycle');
        path.add(value);
        let out: unknown;
        if (Array.isArray(value)) {
          // Checked before reading: `a[1e9] = 1` must not cost a billion steps.
          if (value.length > MAX_VALUE_NODES) throw new Refused(`an array of ${value.length} items (more than ${MAX_VALUE_NODES} nodes)`);
          const items = new Array<unknown>(value.length);
          // Holes and undefined items become null, as JSON.stringify writes them.
          for (let i = 0; i < value.length; i++) items[i] = value[i] === undefined ? copy(null) : copy(value[i]);
          out = items;
        } else {
          const proto = Object.getPrototypeOf(value) as unknown;
          if (proto !== Object.prototype && proto !== null) throw new Refused(`a ${value.constructor?.name ?? 'class'} instance cannot be serialised faithfully`);
          const target: Record<string, unknown> = Object.create(null);
          // Own enumerable string keys, as JSON.stringify sees them; `__proto__` stays an ordinary key.
          for (const key of Object.keys(value)) {
            if (key.length > maxStringLength) throw new Refused(tooLong(key, maxStringLength));
            target[key] = copy((value as Record<string, unknown>)[key]);
          }
          out = target;
        }
        path.delete(value);
        return out;
      }
      default:
        throw new Refused(`a ${typeof value} cannot be serialised`);
    }
  };
  try {
    const value = copy(root);
    return { ok: true, value, items: nodes };
  } catch (error) {
    if (error instanceof Refused) return { ok: false, reason: error.reason };
    return { ok: false, reason: 'the value could not be read' }; // a throwing getter or proxy
  }
}

/** Items a stored (already checked) value counts for. */
export function itemsOf(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 1;
  let n = 1;
  if (Array.isArray(value)) for (const v of value) n += itemsOf(v);
  else for (const v of Object.values(value)) n += itemsOf(v);
  return n;
}

/** A short, safe description of any value for error messages. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 32 ? `${value.slice(0, 32)}…` : value);
  if (typeof value === 'bigint') return `${value}n (a bigint)`;
  if (typeof value === 'object') return value === null ? 'null' : Array.isArray(value) ? 'an array' : 'an object';
  if (typeof value === 'function' || typeof value === 'symbol') return `a ${typeof value}`;
  return String(value);
}
