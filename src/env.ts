/**
 * Reading onload's environment variables: the few rules every area shares, in one place. Kept
 * free of imports: onload loads it at import time.
 */

/** True when a variable is set to something other than blanks. */
export function isSet(value: string | undefined): boolean {
  return value !== undefined && value.trim() !== '';
}

/** A variable's value as a positive integer, or undefined when it is not one (unset included). */
export function positiveIntegerFromEnv(value: string | undefined): number | undefined {
  if (value === undefined || !/^\s*\d+\s*$/.test(value)) return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

/** True when the environment asks for an OTLP export at all (an endpoint variable is set). */
export function wantsOtlp(env: NodeJS.ProcessEnv): boolean {
  return isSet(env['OTEL_EXPORTER_OTLP_METRICS_ENDPOINT']) || isSet(env['OTEL_EXPORTER_OTLP_ENDPOINT']);
}
