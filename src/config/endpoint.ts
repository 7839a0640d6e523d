// Endpoint text helpers that only a report loop or verbose mode needs (onload's import never loads them).

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
