/** Where onload's report endpoint came from: the one rule, `HMETRICS_URL` first, then `HEROKU_METRICS_URL`. */
export interface EndpointSetting {
  /** The endpoint text, trimmed; '' when neither variable is set. Never printed as is (redactEndpoint). */
  readonly value: string;
  /** The variable it came from; undefined when neither is set. */
  readonly variable: 'HMETRICS_URL' | 'HEROKU_METRICS_URL' | undefined;
  /** True when both are set: HEROKU_METRICS_URL is then ignored (verbose says so). */
  readonly shadowed: boolean;
}

/** `HMETRICS_URL || HEROKU_METRICS_URL`, written once. */
export function endpointFromEnv(env: NodeJS.ProcessEnv): EndpointSetting {
  const own = (env['HMETRICS_URL'] ?? '').trim();
  const heroku = (env['HEROKU_METRICS_URL'] ?? '').trim();
  if (own) return { value: own, variable: 'HMETRICS_URL', shadowed: heroku !== '' };
  if (heroku) return { value: heroku, variable: 'HEROKU_METRICS_URL', shadowed: false };
  return { value: '', variable: undefined, shadowed: false };
}

/** The endpoint's parts (space-separated URLs). */
export function endpointParts(value: string): string[] {
  return value.split(/\s+/).filter((part) => part.length > 0);
}

/**
 * For an endpoint written without a scheme (`127.0.0.1:8126`, `localhost:8126`,
 * `[::1]:8126/path`): ` (did you mean http://127.0.0.1:8126?)`, else ''. Only a host and a port
 * are echoed, never a path or credentials.
 */
export function missingSchemeHint(part: string): string {
  const match = /^((?:\[[0-9A-Fa-f:.]+\])|(?:[A-Za-z0-9][A-Za-z0-9.-]*)):(\d{1,5})(?:[/?#]|$)/.exec(part);
  if (!match) return '';
  return ` (did you mean http://${match[1]}:${match[2]}?)`;
}
