import { REPORT_DEFAULTS } from '../loop/report-defaults.js';
import { readDuration } from './duration.js';

// onload's environment, read once into a typed configuration that says where each value came
// from; the verbose start story prints from it (docs/configuration.md lists every variable).
// Kept light: onload loads it at import time.

/**
 * The process's environment, for the areas that read it outside onload's start (the log sink's
 * `DYNO`, statsd conventions, OTLP's resource, the cluster marker, debug). With the entry point,
 * the one place `process.env` is named: a test keeps it so.
 */
export function processEnv(): NodeJS.ProcessEnv {
  return process.env;
}

/** True for anything but blank, `0`, `false`, `no`, `off` (any case). */
export function isTruthy(value: string | undefined): boolean {
  if (value === undefined) return false;
  const v = value.trim().toLowerCase();
  return v !== '' && v !== '0' && v !== 'false' && v !== 'no' && v !== 'off';
}

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

/** True when a variable is set to something other than blanks. */
export function isSet(value: string | undefined): boolean {
  return value !== undefined && value.trim() !== '';
}

/** Heroku's floor for `METRICS_INTERVAL_OVERRIDE`. */
export const MIN_OVERRIDE_INTERVAL = 10_000;
/** Floor for `HMETRICS_INTERVAL`, our own override for local runs and demos. */
export const MIN_LOCAL_INTERVAL = 1_000;
/** OTEL_METRIC_EXPORT_INTERVAL's default (the OpenTelemetry SDK's), ms. */
export const OTLP_DEFAULT_INTERVAL = 60_000;

/** A value and the variable it came from ('default' when none gave it), with verbose notes. */
export interface Sourced<T> {
  readonly value: T;
  readonly source: string;
  /** Why this value: `default`, `from HMETRICS_INTERVAL`, or the clamp (`HMETRICS_INTERVAL=200 clamped up to the floor of 1000 ms`). */
  readonly why: string;
  /** Variables that were set but ignored or clamped, one line each. */
  readonly notes: readonly string[];
}

/** Everything onload decides from the environment before it starts anything. */
export interface Config {
  /** Why onload stays quiet (HMETRICS_DISABLE, a one-off dyno), or undefined. */
  readonly skip: string | undefined;
  readonly endpoint: EndpointSetting;
  /** The report loop's interval, ms. */
  readonly interval: Sourced<number>;
  /** True when an OTLP endpoint variable is set. */
  readonly otlp: boolean;
  /** The optional areas' variables, as given (each area parses its own through this layer). */
  readonly areas: {
    readonly telemetry: boolean;
    readonly statsd: boolean;
    readonly csm: boolean;
    readonly httpClient: boolean;
    readonly httpServer: boolean;
    readonly prometheus: boolean;
  };
}

/** Reads onload's configuration from `env` (the entry point passes `process.env`). */
export function readConfig(env: NodeJS.ProcessEnv): Config {
  return {
    skip: skipReason(env),
    endpoint: endpointFromEnv(env),
    interval: intervalFromEnv(env),
    otlp: wantsOtlp(env),
    areas: {
      telemetry: isSet(env['HMETRICS_TELEMETRY_URL']),
      statsd: isSet(env['HMETRICS_STATSD_LISTEN']),
      csm: isTruthy(env['AWS_CSM_ENABLED']),
      httpClient: isTruthy(env['HMETRICS_HTTP_CLIENT']),
      httpServer: isTruthy(env['HMETRICS_HTTP_SERVER']),
      prometheus: isSet(env['HMETRICS_PROMETHEUS_LISTEN']),
    },
  };
}

/** Why onload stays quiet, or undefined when it should start. */
export function skipReason(env: NodeJS.ProcessEnv): string | undefined {
  if (isTruthy(env['HMETRICS_DISABLE'])) return 'HMETRICS_DISABLE is set';
  if ((env['DYNO'] ?? '').startsWith('run.')) return `one-off dyno ${env['DYNO']}`;
  return undefined;
}

/** True when the environment asks for an OTLP export at all (an endpoint variable is set). */
export function wantsOtlp(env: NodeJS.ProcessEnv): boolean {
  return isSet(env['OTEL_EXPORTER_OTLP_METRICS_ENDPOINT']) || isSet(env['OTEL_EXPORTER_OTLP_ENDPOINT']);
}

/**
 * The report loop's interval: `HMETRICS_INTERVAL` first (floor 1 s), then Heroku's
 * `METRICS_INTERVAL_OVERRIDE` (floor 10 s), then the 20 s default. A value that is not a
 * positive integer of ms, or is above 2147483647, is ignored with a note (the next rule applies).
 */
export function intervalFromEnv(env: NodeJS.ProcessEnv): Sourced<number> {
  return firstDuration(env, [
    ['HMETRICS_INTERVAL', MIN_LOCAL_INTERVAL, 'the floor'],
    ['METRICS_INTERVAL_OVERRIDE', MIN_OVERRIDE_INTERVAL, "Heroku's floor"],
  ], REPORT_DEFAULTS.interval);
}

/**
 * The OTLP export's cadence: `OTEL_METRIC_EXPORT_INTERVAL` first (OpenTelemetry's variable, no
 * floor), then `HMETRICS_INTERVAL` (floor 1 s: one variable for a quick local run of every
 * output), then OpenTelemetry's 60 s default. `METRICS_INTERVAL_OVERRIDE` is Heroku's and does
 * not apply.
 */
export function otlpIntervalFromEnv(env: NodeJS.ProcessEnv): Sourced<number> {
  return firstDuration(env, [
    ['OTEL_METRIC_EXPORT_INTERVAL', 1, 'the floor'],
    ['HMETRICS_INTERVAL', MIN_LOCAL_INTERVAL, 'the floor'],
  ], OTLP_DEFAULT_INTERVAL);
}

/** The first variable of `rules` that gives a usable duration, else `fallback`; notes for the rest. */
function firstDuration(env: NodeJS.ProcessEnv, rules: readonly (readonly [string, number, string])[], fallback: number): Sourced<number> {
  const notes: string[] = [];
  const refused: string[] = [];
  let chosen: { value: number; source: string; why: string } | undefined;
  for (const [index, [variable, floor, floorName]] of rules.entries()) {
    const reading = readDuration(variable, env[variable], { floor, floorName });
    if (reading.value === undefined) {
      if (reading.note) refused.push(reading.note);
    } else if (chosen !== undefined) {
      notes.push(`${variable}=${env[variable]!.trim()} ignored: ${chosen.source} takes precedence`);
    } else {
      chosen = { value: reading.value, source: variable, why: reading.note ?? `from ${variable}` };
    }
  }
  const value = chosen?.value ?? fallback;
  // A refused value names what is used instead: the next variable's value, or the default.
  const using = `; using ${value} ms${chosen ? ` from ${chosen.source}` : ' (the default)'}`;
  return { value, source: chosen?.source ?? 'default', why: chosen?.why ?? 'default', notes: [...refused.map((note) => note + using), ...notes] };
}
