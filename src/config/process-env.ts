/**
 * The process's environment, for the areas that read it outside onload's start (the log sink's
 * `DYNO`, statsd conventions, OTLP's resource, the cluster marker). The one place besides the
 * entry points where `process.env` is named: a test keeps it so.
 */
export function processEnv(): NodeJS.ProcessEnv {
  return process.env;
}
