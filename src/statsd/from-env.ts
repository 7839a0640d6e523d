/**
 * Starts this area from its environment variables when onload runs. Never throws: onload
 * calls it inside its own guard, and a bad variable is reported through the debug log.
 */
export function startStatsdFromEnv(_env: NodeJS.ProcessEnv): void {
  // Filled in by the statsd work (see DESIGN.md).
}
