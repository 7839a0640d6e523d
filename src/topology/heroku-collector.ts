/**
 * Heroku's Node buildpack preloads its own metrics collector (`--require …/metrics_collector.cjs`
 * from the `heroku-nodejs-plugin`) through `NODE_OPTIONS` unless `HEROKU_SKIP_NODE_PLUGIN` is set.
 * Both collectors posting to one metrics URL interleave two streams the dashboard reads as
 * one: counters double and gauges flip between the two. The one case that earns a line unasked.
 */
const COLLECTOR = /metrics_collector\.cjs|heroku-nodejs-plugin/;

/** True when Heroku's collector is preloaded into this process. */
export function herokuCollectorLoaded(nodeOptions: string | undefined, execArgv: readonly string[]): boolean {
  return COLLECTOR.test(nodeOptions ?? '') || execArgv.some((arg) => COLLECTOR.test(arg));
}

/** The one stderr line, printed even without verbose. */
export const HEROKU_COLLECTOR_WARNING =
  "[hmetrics] Heroku's own Node metrics collector (metrics_collector.cjs) also runs in this process and posts to " +
  'the same HEROKU_METRICS_URL: two reporters on one URL corrupt the data (counters double, gauges alternate). ' +
  'Set HEROKU_SKIP_NODE_PLUGIN=true (heroku config:set HEROKU_SKIP_NODE_PLUGIN=true) to keep only hmetrics.\n';

/**
 * The warning to print, or undefined: only when the collector is present and hmetrics itself
 * posts to Heroku's URL (an endpoint of its own elsewhere, or statsd/log, corrupts nothing).
 */
export function herokuCollectorConflict(
  env: NodeJS.ProcessEnv,
  execArgv: readonly string[],
  endpoint: string,
): string | undefined {
  if (!herokuCollectorLoaded(env['NODE_OPTIONS'], execArgv)) return undefined;
  const herokuUrl = (env['HEROKU_METRICS_URL'] ?? '').trim();
  if (herokuUrl === '') return undefined;
  return endpoint.split(/\s+/).includes(herokuUrl) ? HEROKU_COLLECTOR_WARNING : undefined;
}
