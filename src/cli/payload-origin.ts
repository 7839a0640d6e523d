import type { IncomingMessage } from 'node:http';

/** The app of a payload when neither the `app` query parameter nor the `Hmetrics-App` header names one. */
export const DEFAULT_APP = 'default';
/** Longest app name kept; longer names are cut. */
const MAX_APP_NAME = 64;
/** A `Measurements-Time` further than this from the receiver's clock is not trusted. */
const MAX_CLOCK_SKEW_MS = 24 * 3_600_000;

/**
 * Which app sent a payload, so several apps can post to one receiver: the `app` query
 * parameter of the URL posted to (`HEROKU_METRICS_URL=http://127.0.0.1:8126/?app=web`), else the
 * `Hmetrics-App` header, else `default`. Only printable ASCII is kept, at most 64 characters.
 */
export function appFrom(req: IncomingMessage): string {
  const query = new URLSearchParams((req.url ?? '').split('?')[1] ?? '').get('app');
  const header = req.headers['hmetrics-app'];
  const raw = query ?? (typeof header === 'string' ? header : '');
  const clean = raw.replace(/[^\x20-\x7e]/g, '').trim().slice(0, MAX_APP_NAME);
  return clean === '' ? DEFAULT_APP : clean;
}

/**
 * When a payload was measured (epoch ms): its `Measurements-Time` header (RFC 3339, which
 * hmetrics and Heroku's collectors send) if it parses and is within a day of `now`, else `now`.
 */
export function measuredAt(header: string | string[] | undefined, now: number): number {
  const parsed = typeof header === 'string' ? Date.parse(header) : Number.NaN;
  return Number.isFinite(parsed) && Math.abs(parsed - now) <= MAX_CLOCK_SKEW_MS ? parsed : now;
}
