import type { HerokuPayload } from './format-payload.js';
import { MAX_FOLDED_TAG_LENGTH, MAX_FOLDED_TAGS } from '../sinks/folded-tags.js';

/** A payload that passed the shape check: counters and gauges as name → finite number. */
export interface CheckedPayload {
  readonly counters: Record<string, number>;
  readonly gauges: Record<string, number>;
  /** hmetrics' own senders: the original tags behind folded names (`route__a__id` → `route:/a/:id`), for display. */
  readonly tags?: Record<string, string>;
}

/** The outcome of reading one POST body: the payload, or the one-line reason it was refused. */
export type PayloadCheck = { readonly ok: true; readonly payload: CheckedPayload } | { readonly ok: false; readonly reason: string };

/** Longest name quoted back in a reason, so a hostile key cannot make the answer long. */
const QUOTE_LIMIT = 60;

/**
 * Parses a body as a Heroku metrics payload: a JSON object with `counters` and/or `gauges`, each
 * an object of finite numbers. Other top-level keys are ignored (forward compatible); anything
 * else is refused with a reason short enough for one line of a 400 answer.
 */
export function checkPayload(body: string): PayloadCheck {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (err) {
    return refuse(`body is not JSON (${oneLine((err as Error).message)})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return refuse(`expected a JSON object with "counters" and "gauges", got ${describe(parsed)}`);
  }
  const { counters, gauges } = parsed as HerokuPayload;
  if (counters === undefined && gauges === undefined) return refuse('expected "counters" or "gauges" in the payload, found neither');
  const checkedCounters = numbers('counters', counters);
  if (typeof checkedCounters === 'string') return refuse(checkedCounters);
  const checkedGauges = numbers('gauges', gauges);
  if (typeof checkedGauges === 'string') return refuse(checkedGauges);
  const tags = displayTags((parsed as { tags?: unknown }).tags);
  return { ok: true, payload: tags === undefined ? { counters: checkedCounters, gauges: checkedGauges } : { counters: checkedCounters, gauges: checkedGauges, tags } };
}

/**
 * The `tags` key as far as it is usable: string entries only, as many and as long as a sender
 * may send. Being only an aid to display, a malformed one is left out, never a reason to refuse.
 */
function displayTags(value: unknown): Record<string, string> | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const out: Record<string, string> = Object.create(null);
  let size = 0;
  for (const [folded, tag] of Object.entries(value)) {
    if (size >= MAX_FOLDED_TAGS) break;
    if (typeof tag !== 'string' || tag.length > MAX_FOLDED_TAG_LENGTH || folded.length > MAX_FOLDED_TAG_LENGTH) continue;
    out[folded] = tag;
    size++;
  }
  return size > 0 ? out : undefined;
}

function numbers(field: string, value: unknown): Record<string, number> | string {
  const out: Record<string, number> = Object.create(null);
  if (value === undefined) return out;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return `expected "${field}" to be an object of numbers, got ${describe(value)}`;
  for (const [name, n] of Object.entries(value)) {
    if (typeof n !== 'number' || !Number.isFinite(n)) return `expected "${field}.${quote(name)}" to be a finite number, got ${describe(n)}`;
    out[name] = n;
  }
  return out;
}

function refuse(reason: string): PayloadCheck {
  return { ok: false, reason };
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return 'a string';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`.slice(0, QUOTE_LIMIT);
}

function quote(name: string): string {
  const clean = oneLine(name);
  return clean.length > QUOTE_LIMIT ? `${clean.slice(0, QUOTE_LIMIT)}…` : clean;
}

function oneLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f]+/g, ' ');
}
