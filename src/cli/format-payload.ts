import { formatNumber } from '../metrics/format-number.js';

/** A Heroku payload as the receiver prints it: counters and gauges side by side, names sorted. */
export interface HerokuPayload {
  readonly counters?: Record<string, unknown>;
  readonly gauges?: Record<string, unknown>;
}

export function formatPayload(payload: HerokuPayload, heading: string): string {
  const counters = rows(payload.counters);
  const gauges = rows(payload.gauges);
  const left = ['counters', ...counters];
  const right = ['gauges', ...gauges];
  // Loops, not Math.max(...spread): a payload may have 150 000 names, past the call-stack limit.
  const width = longest(left) + 4;
  const lines = [`── ${heading} ${'─'.repeat(Math.max(3, 76 - heading.length))}`];
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    lines.push(`${(left[i] ?? '').padEnd(width)}${right[i] ?? ''}`.trimEnd());
  }
  return `${lines.join('\n')}\n`;
}

function rows(record: Record<string, unknown> | undefined): string[] {
  if (!record || typeof record !== 'object') return ['  (none)'];
  const entries = Object.entries(record).sort(([a], [b]) => a.localeCompare(b));
  if (entries.length === 0) return ['  (none)'];
  const nameWidth = longest(entries.map(([name]) => name));
  return entries.map(([name, value]) => `  ${name.padEnd(nameWidth)}  ${formatValue(value)}`);
}

function formatValue(value: unknown): string {
  if (typeof value !== 'number') return JSON.stringify(value) ?? String(value);
  // The sinks' rule (integers exact, ms to 3 decimals, fractions to 4 significant digits).
  return formatNumber(value) ?? String(value);
}

function longest(texts: readonly string[]): number {
  let max = 0;
  for (const text of texts) if (text.length > max) max = text.length;
  return max;
}
