import {
  COUNTER, CounterEntry, LIST, ListEntry, NESTED, NestedEntry, UNIQUE, UniqueCell, UniqueEntry, VALUE, ValueEntry, type Entry,
} from './entries.js';
import { itemsOf, type UniqueValue } from './values.js';

/*
 * What an emission takes out of the buffer, how it is written into a payload, and how an
 * undelivered one is put back.
 */

/** What one emission took out of the buffer: enough to send it, and to put it back. */
export interface Taken {
  readonly key: string;
  readonly kind: Entry['kind'];
  readonly content: unknown;
}

/** The `data` object of a payload (null prototype: every key is an ordinary key). */
export function toData(taken: readonly Taken[]): Record<string, unknown> {
  const data: Record<string, unknown> = Object.create(null);
  for (const { key, content } of taken) data[key] = content;
  return data;
}

/** What the next emission would send, without taking it. */
export function peekEntries(entries: ReadonlyMap<string, Entry>): Record<string, unknown> {
  const data: Record<string, unknown> = Object.create(null);
  for (const [key, entry] of entries) {
    if (!entry.live) continue;
    switch (entry.kind) {
      case COUNTER: data[key] = entry.total; break;
      case VALUE: data[key] = entry.value; break;
      case LIST: data[key] = [...entry.values]; break;
      case NESTED: {
        const map: Record<string, unknown> = Object.create(null);
        for (const [subkey, cell] of entry.cells) if (cell.live) map[subkey] = cell.value;
        data[key] = map;
        break;
      }
      case UNIQUE: data[key] = [...entry.cells.values()].filter((c) => c.count > 0).map((c) => ({ value: c.value, count: c.count })); break;
    }
  }
  return data;
}

/** An empty entry of `kind`, to put a payload back into. */
export function makeEntry(kind: Entry['kind'], key: string): Entry {
  switch (kind) {
    case COUNTER: return new CounterEntry(key);
    case VALUE: return new ValueEntry(key);
    case NESTED: return new NestedEntry(key);
    case LIST: return new ListEntry(key);
    case UNIQUE: return new UniqueEntry(key);
  }
}

/** Items a taken payload entry counts for (what putting it back would cost). */
export function itemsOfTaken(kind: Entry['kind'], content: unknown): number {
  if (kind === UNIQUE) return (content as unknown[]).length;
  if (kind === COUNTER) return 1;
  return itemsOf(content) - (kind === VALUE ? 0 : 1); // a list or map itself is not an item
}

/** Merges one taken entry back into `e` (same kind), admitting items through `admit`. */
export function restoreInto(e: Entry, content: unknown, admit: (n: number) => boolean): void {
  switch (e.kind) {
    case COUNTER:
      if (!e.live) {
        if (!admit(1)) return;
        e.live = true;
      }
      e.total += content as number;
      e.projected += content as number; // the interval it was recorded in already counted it
      return;
    case VALUE: {
      const weight = itemsOf(content);
      if (e.live || !admit(weight)) return; // something newer was set
      e.value = content;
      e.weight = weight;
      e.live = true;
      return;
    }
    case NESTED:
      for (const [subkey, value] of Object.entries(content as Record<string, unknown>)) {
        const cell = e.cells.get(subkey);
        if (cell?.live) continue; // set again since: the newer value wins
        const weight = itemsOf(value);
        if (!admit(weight)) continue;
        const target = cell ?? e.newCell(subkey);
        target.value = value;
        target.weight = weight;
        target.live = true;
        e.liveCells++;
        e.weight += weight;
      }
      return;
    case LIST: {
      // Older values go first, as they were recorded; what does not fit is dropped and counted.
      const kept: unknown[] = [];
      let weight = 0;
      for (const value of content as unknown[]) {
        const w = itemsOf(value);
        if (!admit(w)) continue;
        kept.push(value);
        weight += w;
      }
      if (kept.length === 0) return;
      e.values = [...kept, ...e.values];
      e.projected += kept.length; // the interval they were recorded in already counted them
      e.weight += weight;
      e.live = true;
      return;
    }
    case UNIQUE:
      for (const { value, count } of content as Array<{ value: UniqueValue; count: number }>) {
        let cell = e.cells.get(value);
        if (cell === undefined || cell.count === 0) {
          if (!admit(1)) continue;
          if (cell === undefined) {
            cell = new UniqueCell(value);
            e.cells.set(value, cell);
          }
          e.liveCells++;
        }
        cell.count += count;
      }
      return;
  }
}

