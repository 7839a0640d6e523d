// The one `Retry-After` parser (RFC 9110 §10.2.3): `delay-seconds` (one or more digits) or an
// HTTP-date (IMF-fixdate, or the obsolete RFC 850 and asctime forms a recipient must accept).
// Anything else — `-5`, `1.5`, `soon`, an ISO date — is invalid. What a wait does with it is
// the delivery policy's business (retry.ts), not the parser's.

const DAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const LONG_DAY = '(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)';
const MONTH = '(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)';
const TIME = '\\d{2}:\\d{2}:\\d{2}';
const IMF_FIXDATE = new RegExp(`^${DAY}, \\d{2} ${MONTH} \\d{4} ${TIME} GMT$`);
const RFC850_DATE = new RegExp(`^${LONG_DAY}, \\d{2}-${MONTH}-\\d{2} ${TIME} GMT$`);
const ASCTIME_DATE = new RegExp(`^${DAY} ${MONTH} (?: \\d|\\d{2}) ${TIME} \\d{4}$`);

/** What a `Retry-After` header says: a delay in ms from `now` (≤ 0 for a date in the past), or invalid. */
export type RetryAfter =
  | { readonly valid: true; readonly ms: number }
  | { readonly valid: false };

const INVALID: RetryAfter = { valid: false };

/**
 * Parses one `Retry-After` value (the first, when a header came several times). Returns
 * undefined when the header is absent, `{ valid: false }` when it is present but not RFC 9110.
 */
export function parseRetryAfter(header: string | readonly string[] | undefined, now: number): RetryAfter | undefined {
  const value = typeof header === 'string' ? header : header?.[0];
  if (value === undefined) return undefined;
  const text = value.trim();
  if (text === '') return INVALID;
  // Seconds: digits only. Past 10 digits (317 years) the number is noise: capped by the policy anyway.
  if (/^\d+$/.test(text)) return { valid: true, ms: Number(text.length > 10 ? '9999999999' : text) * 1000 };
  let date = Number.NaN;
  if (IMF_FIXDATE.test(text) || RFC850_DATE.test(text)) date = Date.parse(text);
  else if (ASCTIME_DATE.test(text)) date = Date.parse(`${text} GMT`); // asctime has no zone: it is GMT
  return Number.isNaN(date) ? INVALID : { valid: true, ms: date - now };
}
