import { isTruthy, processEnv } from '../config/read.js';

export { isTruthy };

/**
 * hmetrics is silent unless asked: `HMETRICS_VERBOSE` truthy or `NODE_DEBUG` naming `hmetrics`.
 * Then messages go to stderr prefixed `[hmetrics]`. Nothing here ever throws.
 */
export function debugEnabled(env: NodeJS.ProcessEnv = processEnv()): boolean {
  return isTruthy(env['HMETRICS_VERBOSE']) || /(^|[\s,])hmetrics($|[\s,])/i.test(env['NODE_DEBUG'] ?? '');
}

let enabled: boolean | undefined;

/** Writes one `[hmetrics]` line to stderr when debugging is enabled. */
export function debug(message: string): void {
  enabled ??= debugEnabled();
  if (!enabled) return;
  try {
    process.stderr.write(`[hmetrics] ${message}\n`);
  } catch {
    // stderr closed: nothing to do, and never the host's problem.
  }
}

/** True when debug lines are written: lets a caller skip building a message nobody reads. */
export function debugging(): boolean {
  enabled ??= debugEnabled();
  return enabled;
}

/** Tests and onload re-read the environment through this. */
export function resetDebug(value?: boolean): void {
  enabled = value;
}
