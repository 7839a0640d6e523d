/**
 * The longest delay one Node timer can hold, ms (2^31 − 1, about 24.8 days). Past it Node
 * prints a `TimeoutOverflowWarning` and fires after 1 ms: an interval of 2^31 ms would be a
 * 1 ms loop. Every duration hmetrics takes is capped here, from an option or a variable.
 */
export const MAX_DURATION = 2_147_483_647;

/** What one duration variable gave: the value used and, when the text was not used as is, why. */
export interface DurationReading {
  /** The value to use, ms; undefined when the variable is unset or refused (use the fallback). */
  readonly value: number | undefined;
  /** Set when the variable was set but refused or clamped: one verbose line, no value quoted past 40 characters. */
  readonly note?: string;
}

/** Options of `readDuration`. */
export interface DurationRule {
  /** Smallest value used; a smaller one is clamped up to it (with a note). @default 1 */
  readonly floor?: number;
  /** Words for the floor in the note. @default 'the floor' */
  readonly floorName?: string;
  /** What is used when the value is refused, appended to the note as `; using …`. @default none said */
  readonly fallback?: string;
}

/**
 * The one parser of duration variables: a positive integer of ms, surrounding blanks allowed.
 * Below the floor: clamped up to it. Above `MAX_DURATION`, zero, negative, fractional or not a
 * number: refused with a note naming the documented fallback. Unset or blank: no value, no note.
 */
export function readDuration(variable: string, raw: string | undefined, rule: DurationRule): DurationReading {
  if (raw === undefined || raw.trim() === '') return { value: undefined };
  const text = raw.trim();
  const shown = JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
  const using = rule.fallback === undefined ? '' : `; using ${rule.fallback}`;
  if (!/^\d+$/.test(text) || Number(text) === 0) {
    return { value: undefined, note: `${variable}=${shown} ignored: not a positive integer of milliseconds${using}` };
  }
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value > MAX_DURATION) {
    return { value: undefined, note: `${variable}=${shown} ignored: above ${MAX_DURATION} ms, the longest delay a Node timer holds${using}` };
  }
  const floor = rule.floor ?? 1;
  if (value < floor) return { value: floor, note: `${variable}=${value} clamped up to ${rule.floorName ?? 'the floor'} of ${floor} ms` };
  return { value };
}
