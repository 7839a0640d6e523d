import type { CheckedPayload } from '../payload-shape.js';

/** Limits of what the receiver keeps for its live page. Each bounds memory whatever arrives. */
export interface HistoryOptions {
  /** How far back payloads are kept, in ms of measurement time before the newest one. @default 3600000 */
  readonly windowMs?: number;
  /** Apps kept at once; a new app evicts the one that posted least recently. @default 16 */
  readonly maxApps?: number;
  /** Distinct series names kept per app; names past it are left out and counted. @default 5000 */
  readonly maxSeriesPerApp?: number;
  /** Values (counters plus gauges) kept across all apps; the oldest payloads go first. @default 1000000 */
  readonly maxValues?: number;
}

/** The defaults, in one place; the page receives them too and trims its copy by the same rules. */
export const HISTORY_DEFAULTS = { windowMs: 3_600_000, maxApps: 16, maxSeriesPerApp: 5_000, maxValues: 1_000_000 } as const;

/** One stored payload: which app sent it, when it was measured (epoch ms) and its numbers. */
export interface StoredPayload {
  readonly app: string;
  readonly time: number;
  readonly counters: Record<string, number>;
  readonly gauges: Record<string, number>;
  /** The original tags behind folded names, when the sender gave them (hmetrics does, to this receiver). */
  readonly tags?: Record<string, string>;
}

interface AppHistory {
  readonly payloads: StoredPayload[];
  readonly series: Set<string>;
  /** Series names refused because the app already had `maxSeriesPerApp`. */
  ignoredSeries: number;
  lastPostAt: number;
}

/** What the page is sent on connect: every app's kept payloads and the limits applied. */
export interface HistorySnapshot {
  readonly limits: Required<HistoryOptions>;
  readonly apps: Record<string, { readonly payloads: readonly StoredPayload[]; readonly ignoredSeries: number }>;
}

/**
 * The receiver's memory of recent payloads, per app, bounded by time, app count, series per app
 * and total values. Older points are dropped, never the newest.
 */
export class History {
  readonly #limits: Required<HistoryOptions>;
  readonly #apps = new Map<string, AppHistory>();
  #values = 0;
  #posts = 0;

  constructor(options: HistoryOptions = {}) {
    this.#limits = { ...HISTORY_DEFAULTS, ...options };
  }

  /** Keeps one payload; returns what was kept (series past the app's cap removed) and whether an app was evicted. */
  add(app: string, time: number, payload: CheckedPayload): { stored: StoredPayload; evicted: boolean; ignoredSeries: number } {
    let evicted = false;
    let history = this.#apps.get(app);
    if (!history) {
      if (this.#apps.size >= this.#limits.maxApps) evicted = this.#evictQuietestApp();
      history = { payloads: [], series: new Set(), ignoredSeries: 0, lastPostAt: 0 };
      this.#apps.set(app, history);
    }
    history.lastPostAt = ++this.#posts;
    const counters = this.#admit(history, payload.counters);
    const gauges = this.#admit(history, payload.gauges);
    const stored: StoredPayload = payload.tags === undefined ? { app, time, counters, gauges } : { app, time, counters, gauges, tags: payload.tags };
    insertByTime(history.payloads, stored);
    this.#values += valueCount(stored);
    this.#trim(history);
    return { stored, evicted, ignoredSeries: history.ignoredSeries };
  }

  /** Every app's payloads, oldest first, with the limits (what the page needs to mirror this store). */
  snapshot(): HistorySnapshot {
    const apps: Record<string, { payloads: readonly StoredPayload[]; ignoredSeries: number }> = Object.create(null);
    for (const [name, history] of this.#apps) apps[name] = { payloads: [...history.payloads], ignoredSeries: history.ignoredSeries };
    return { limits: this.#limits, apps };
  }

  /** Values kept across all apps (bounded by `maxValues`). */
  get valueCount(): number {
    return this.#values;
  }

  #admit(history: AppHistory, values: Record<string, number>): Record<string, number> {
    const kept: Record<string, number> = Object.create(null);
    for (const name in values) {
      if (!history.series.has(name)) {
        if (history.series.size >= this.#limits.maxSeriesPerApp) {
          history.ignoredSeries++;
          continue;
        }
        history.series.add(name);
      }
      kept[name] = values[name]!;
    }
    return kept;
  }

  #trim(history: AppHistory): void {
    const newest = history.payloads.at(-1)!.time;
    while (history.payloads.length > 1 && history.payloads[0]!.time < newest - this.#limits.windowMs) {
      this.#values -= valueCount(history.payloads.shift()!);
    }
    while (this.#values > this.#limits.maxValues) {
      const oldest = this.#oldestDroppable();
      if (!oldest) break;
      this.#values -= valueCount(oldest.payloads.shift()!);
    }
  }

  /** The app whose first payload is oldest among apps with more than one (each app keeps its newest). */
  #oldestDroppable(): AppHistory | undefined {
    let found: AppHistory | undefined;
    for (const history of this.#apps.values()) {
      if (history.payloads.length < 2) continue;
      if (!found || history.payloads[0]!.time < found.payloads[0]!.time) found = history;
    }
    return found;
  }

  #evictQuietestApp(): boolean {
    let quietest: [string, AppHistory] | undefined;
    for (const entry of this.#apps) if (!quietest || entry[1].lastPostAt < quietest[1].lastPostAt) quietest = entry;
    if (!quietest) return false;
    for (const payload of quietest[1].payloads) this.#values -= valueCount(payload);
    return this.#apps.delete(quietest[0]);
  }
}

/** Values a payload holds: its counters, gauges and display tags (each bounded by the same `maxValues`). */
function valueCount(payload: StoredPayload): number {
  let n = 0;
  for (const _ in payload.counters) n++;
  for (const _ in payload.gauges) n++;
  if (payload.tags !== undefined) for (const _ in payload.tags) n++;
  return n;
}

/** Payloads normally arrive in time order; a late one (a retry, a skewed clock) is placed where it belongs. */
function insertByTime(payloads: StoredPayload[], payload: StoredPayload): void {
  let i = payloads.length;
  while (i > 0 && payloads[i - 1]!.time > payload.time) i--;
  payloads.splice(i, 0, payload);
}
