import type { IncomingMessage } from 'node:http';

/** The app of a payload when neither the `app` query parameter nor the `Hmetrics-App` header names one. */
export const DEFAULT_APP = 'default';
/** Longest app name kept; longer names are cut. */
const MAX_APP_NAME = 64;
/** A `Measurements-Time` further in the past than this is not trusted. */
const MAX_AGE_MS = 24 * 3_600_000;
/** A `Measurements-Time` this far ahead of the receiver's clock is still taken as measured (clocks of one machine differ by less). */
const MAX_AHEAD_MS = 1_000;

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
 * hmetrics and Heroku's collectors send) if it parses and lies between a day ago and now, else
 * `now`, the time it was received. A payload never dates itself ahead of the receiver: history
 * is trimmed relative to its newest payload, and one sender's clock 23 h ahead wiped every
 * app's hour of history before.
 */
export function measuredAt(header: string | string[] | undefined, now: number): number {
  const parsed = typeof header === 'string' ? Date.parse(header) : Number.NaN;
  if (!Number.isFinite(parsed) || parsed < now - MAX_AGE_MS) return now;
  return parsed > now + MAX_AHEAD_MS ? now : parsed;
}
