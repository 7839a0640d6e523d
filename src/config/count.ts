/**
 * The one parser of count variables (`HMETRICS_STATSD_MAX_SERIES` …): a positive safe integer,
 * surrounding blanks allowed. Returns the value, or a message naming the variable and what it got.
 */
export function readCount(variable: string, raw: string | undefined): { value: number | undefined; error?: string } {
  if (raw === undefined || raw.trim() === '') return { value: undefined };
  const text = raw.trim();
  const value = Number(text);
  if (/^\d+$/.test(text) && Number.isSafeInteger(value) && value > 0) return { value };
  return { value: undefined, error: `${variable} must be a positive integer, got ${JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text)}` };
}
