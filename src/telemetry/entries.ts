import type { Aggregator } from '../metrics/aggregator.js';
import { sanitizeName } from '../metrics/series.js';
import type { UniqueValue } from './values.js';

/*
 * One class per kind of buffer value. Each entry holds two things: what waits for the next
 * emission (`live` content, counted in buffer items) and what the current report interval has
 * not seen yet (`pending`), which `project()` hands to the aggregator. Keeping both on one
 * object is what makes a known key one Map lookup.
 *
 * Entries and cells survive one emission empty (`live` false) so that recording to a known key
 * again allocates nothing; one that stays empty until the next emission is released (`stale`).
 */

export const COUNTER = 0;
export const VALUE = 1;
export const NESTED = 2;
export const LIST = 3;
export const UNIQUE = 4;

/** How a kind is named in error messages. */
export const KIND_NAMES = ['counter', 'value', 'nested map', 'list', 'counting set'] as const;

export class CounterEntry {
  readonly kind = COUNTER;
  readonly name: string;
  live = false;
  /** Emitted at the next emission. */
  total = 0;
  /**
   * How much of `total` report intervals have seen. The interval's delta is `total - projected`,
   * so recording is one add to one field.
   */
  projected = 0;

  constructor(key: string) {
    this.name = sanitizeName(key);
  }

  get items(): number {
    return this.live ? 1 : 0;
  }

  get pending(): boolean {
    return this.total !== this.projected;
  }

  project(aggregator: Aggregator): void {
    if (this.total === this.projected) return;
    aggregator.count(this.name, this.total - this.projected);
    this.projected = this.total;
  }

  get stale(): boolean {
    return !this.live && this.total === this.projected;
  }

  /** Callers project first, so nothing of `total` is left unseen by the interval. */
  take(): number {
    const total = this.total;
    this.total = 0;
    this.projected = 0;
    this.live = false;
    return total;
  }
}

export class ValueEntry {
  readonly kind = VALUE;
  readonly name: string;
  live = false;
  pending = false;
  value: unknown = null;
  /** Items the value counts for: 1, or the nodes of a structure. */
  weight = 1;

  constructor(key: string) {
    this.name = sanitizeName(key);
  }

  get items(): number {
    return this.live ? this.weight : 0;
  }

  project(aggregator: Aggregator): void {
    if (!this.pending) return;
    if (typeof this.value === 'number') aggregator.gauge(this.name, this.value);
    this.pending = false;
  }

  get stale(): boolean {
    return !this.live && !this.pending;
  }

  take(): unknown {
    const value = this.value;
    this.value = null;
    this.live = false;
    return value;
  }
}

export class NestedCell {
  readonly name: string;
  live = false;
  pending = false;
  value: unknown = null;
  weight = 1;

  constructor(name: string) {
    this.name = name;
  }
}

export class NestedEntry {
  readonly kind = NESTED;
  readonly #prefix: string;
  readonly cells = new Map<string, NestedCell>();
  pending = false;
  liveCells = 0;
  weight = 0;

  constructor(key: string) {
    this.#prefix = key;
  }

  get live(): boolean {
    return this.liveCells > 0;
  }

  get items(): number {
    return this.weight;
  }

  newCell(subkey: string): NestedCell {
    const cell = new NestedCell(sanitizeName(`${this.#prefix}.${subkey}`));
    this.cells.set(subkey, cell);
    return cell;
  }

  project(aggregator: Aggregator): void {
    if (!this.pending) return;
    for (const cell of this.cells.values()) {
      if (!cell.pending) continue;
      if (typeof cell.value === 'number') aggregator.gauge(cell.name, cell.value);
      cell.pending = false;
    }
    this.pending = false;
  }

  get stale(): boolean {
    return this.liveCells === 0 && !this.pending;
  }

  take(): Record<string, unknown> {
    // A null-prototype object: `__proto__` and `constructor` subkeys are ordinary keys.
    const out: Record<string, unknown> = Object.create(null);
    for (const [subkey, cell] of this.cells) {
      if (!cell.live) {
        if (!cell.pending) this.cells.delete(subkey);
        continue;
      }
      out[subkey] = cell.value;
      cell.value = null;
      cell.live = false;
    }
    this.liveCells = 0;
    this.weight = 0;
    return out;
  }
}

export class ListEntry {
  readonly kind = LIST;
  readonly name: string;
  live = false;
  values: unknown[] = [];
  /** Values before this index have reached the aggregator. */
  projected = 0;
  weight = 0;

  constructor(key: string) {
    this.name = sanitizeName(key);
  }

  get pending(): boolean {
    return this.projected < this.values.length;
  }

  get items(): number {
    return this.weight;
  }

  project(aggregator: Aggregator): void {
    const values = this.values;
    for (let i = this.projected; i < values.length; i++) {
      const value = values[i];
      if (typeof value === 'number') aggregator.timing(this.name, value);
    }
    this.projected = values.length;
  }

  get stale(): boolean {
    return !this.live;
  }

  take(): unknown[] {
    const values = this.values;
    this.values = [];
    this.projected = 0;
    this.weight = 0;
    this.live = false;
    return values;
  }
}

export class UniqueCell {
  readonly value: UniqueValue;
  count = 0;
  /** The report interval this value was last counted as distinct in. */
  epoch = -1;

  constructor(value: UniqueValue) {
    this.value = value;
  }
}

export class UniqueEntry {
  readonly kind = UNIQUE;
  readonly name: string;
  readonly cells = new Map<UniqueValue, UniqueCell>();
  liveCells = 0;
  /** Values first added in the current report interval that the aggregator has not seen yet. */
  fresh: UniqueValue[] = [];

  constructor(key: string) {
    this.name = sanitizeName(key);
  }

  get live(): boolean {
    return this.liveCells > 0;
  }

  get pending(): boolean {
    return this.fresh.length > 0;
  }

  get items(): number {
    return this.liveCells;
  }

  /**
   * Each distinct value becomes a member of the set `key` (a statsd set: the statsd sink sends
   * `key:value|s`, so servers merge uniques across processes; Heroku and log get the gauge
   * `key.unique`). Adding a member twice in an interval is harmless, so this may run at any time.
   */
  project(aggregator: Aggregator): void {
    if (this.fresh.length === 0) return;
    for (const value of this.fresh) aggregator.setMember(this.name, String(value));
    this.fresh.length = 0;
  }

  get stale(): boolean {
    return this.liveCells === 0 && this.fresh.length === 0;
  }

  take(epoch: number): Array<{ value: UniqueValue; count: number }> {
    const out: Array<{ value: UniqueValue; count: number }> = [];
    for (const [key, cell] of this.cells) {
      if (cell.count === 0) {
        if (cell.epoch !== epoch) this.cells.delete(key);
        continue;
      }
      out.push({ value: cell.value, count: cell.count });
      cell.count = 0;
    }
    this.liveCells = 0;
    return out;
  }
}

export type Entry = CounterEntry | ValueEntry | NestedEntry | ListEntry | UniqueEntry;
