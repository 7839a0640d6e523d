import { readDuration } from '../config/duration.js';
import { isSet, otlpIntervalFromEnv, wantsOtlp, type Sourced } from '../config/read.js';
import { redactEndpoint } from '../util/redact.js';
import { OTLP_DEFAULTS, type OtlpOptions, type OtlpTemporalityPreference } from './options.js';

/** What `onload` needs to start an OTLP export, read from the OpenTelemetry variables. */
export interface OtlpEnvConfig {
  /** The `otlp+http(s)://…` endpoint. Never printed as is (use `redactEndpoint`). */
  readonly endpoint: string;
  /** The export cadence, ms, and the variable it came from (OTEL_METRIC_EXPORT_INTERVAL, else HMETRICS_INTERVAL, else 60 s). */
  readonly interval: Sourced<number>;
  /** OTEL_EXPORTER_OTLP_[METRICS_]TIMEOUT, ms. */
  readonly timeout: number;
  readonly options: OtlpOptions;
}


/**
 * Reads the OpenTelemetry exporter variables (signal-specific ones win over the generic ones).
 * Returns undefined when nothing should start: no endpoint, `OTEL_SDK_DISABLED=true`, the
 * `grpc` protocol, or an endpoint that is not an http(s) URL; each reason but the first is
 * one `warn` line. Other malformed values are one `warn` line each and fall back to their
 * default. Header values are never passed to `warn`.
 */
export function otlpConfigFromEnv(env: NodeJS.ProcessEnv, warn: (message: string) => void): OtlpEnvConfig | undefined {
  if (!wantsOtlp(env)) return undefined;
  if ((env['OTEL_SDK_DISABLED'] ?? '').trim().toLowerCase() === 'true') {
    warn('OTLP export not started: OTEL_SDK_DISABLED=true');
    return undefined;
  }
  const protocol = pick(env, 'PROTOCOL').value?.trim().toLowerCase() ?? OTLP_DEFAULTS.protocol;
  if (protocol === 'grpc') {
    warn(`OTLP export not started: ${pick(env, 'PROTOCOL').name}=grpc is not supported (hmetrics speaks OTLP/HTTP only); use http/protobuf or http/json with the collector's HTTP port (4318)`);
    return undefined;
  }
  const endpoint = endpointFrom(env, warn);
  if (endpoint === undefined) return undefined;
  const options: { -readonly [K in keyof OtlpOptions]: OtlpOptions[K] } = {};
  if (protocol === 'http/protobuf' || protocol === 'http/json') options.protocol = protocol;
  else warn(`${pick(env, 'PROTOCOL').name} must be http/protobuf or http/json, got ${JSON.stringify(protocol)}; using http/protobuf`);

  const headers = { ...parsePairs(env['OTEL_EXPORTER_OTLP_HEADERS'], 'OTEL_EXPORTER_OTLP_HEADERS', warn), ...parsePairs(env['OTEL_EXPORTER_OTLP_METRICS_HEADERS'], 'OTEL_EXPORTER_OTLP_METRICS_HEADERS', warn) };
  if (Object.keys(headers).length > 0) options.headers = headers;

  const compression = pick(env, 'COMPRESSION');
  const compressionValue = compression.value?.trim().toLowerCase();
  if (compressionValue === 'gzip') options.compression = 'gzip';
  else if (compressionValue !== undefined && compressionValue !== '' && compressionValue !== 'none') {
    warn(`${compression.name} must be gzip or none, got ${JSON.stringify(compression.value)}; sending uncompressed`);
  }

  const temporality = env['OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE']?.trim().toLowerCase();
  if (temporality === 'cumulative' || temporality === 'delta' || temporality === 'lowmemory') options.temporality = temporality as OtlpTemporalityPreference;
  else if (temporality !== undefined && temporality !== '') {
    warn(`OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE must be cumulative, delta or lowmemory, got ${JSON.stringify(temporality)}; using cumulative`);
  }

  const resourceAttributes = parsePairs(env['OTEL_RESOURCE_ATTRIBUTES'], 'OTEL_RESOURCE_ATTRIBUTES', warn);
  if (Object.keys(resourceAttributes).length > 0) options.resourceAttributes = resourceAttributes;
  const serviceName = env['OTEL_SERVICE_NAME']?.trim();
  if (serviceName) options.serviceName = serviceName;

  const timeoutVar = pick(env, 'TIMEOUT');
  const timeoutReading = readDuration(timeoutVar.name, timeoutVar.value, { fallback: `${OTLP_DEFAULTS.timeout}` });
  if (timeoutReading.note) warn(timeoutReading.note);
  const timeout = timeoutReading.value ?? OTLP_DEFAULTS.timeout;
  const interval = otlpIntervalFromEnv(env);
  for (const note of interval.notes) warn(note);
  return { endpoint, interval, timeout, options };
}

/** The signal-specific variable when set, else the generic one, with the name used. */
function pick(env: NodeJS.ProcessEnv, suffix: string): { name: string; value: string | undefined } {
  const specific = `OTEL_EXPORTER_OTLP_METRICS_${suffix}`;
  if (isSet(env[specific])) return { name: specific, value: env[specific] };
  const generic = `OTEL_EXPORTER_OTLP_${suffix}`;
  return { name: generic, value: isSet(env[generic]) ? env[generic] : undefined };
}

/** METRICS_ENDPOINT is used as is; the generic ENDPOINT gets `/v1/metrics` appended. */
function endpointFrom(env: NodeJS.ProcessEnv, warn: (message: string) => void): string | undefined {
  const specific = env['OTEL_EXPORTER_OTLP_METRICS_ENDPOINT']?.trim();
  const name = specific ? 'OTEL_EXPORTER_OTLP_METRICS_ENDPOINT' : 'OTEL_EXPORTER_OTLP_ENDPOINT';
  const raw = specific || env['OTEL_EXPORTER_OTLP_ENDPOINT']!.trim();
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    warn(`OTLP export not started: ${name} is not a URL (${raw.length} characters)`);
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    warn(`OTLP export not started: ${name} must be an http:// or https:// URL, got ${redactEndpoint(url)}`);
    return undefined;
  }
  if (!specific) url.pathname = `${url.pathname.replace(/\/+$/, '')}/v1/metrics`;
  return `otlp+${url.href}`;
}

/**
 * `k=v,k2=v2` (W3C-baggage style, as the spec's HEADERS and RESOURCE_ATTRIBUTES are),
 * keys and values trimmed and percent-decoded. A malformed entry is skipped with one warning
 * that gives its position, never its text (headers hold API keys).
 */
export function parsePairs(raw: string | undefined, name: string, warn: (message: string) => void): Record<string, string> {
  const out: Record<string, string> = {};
  if (raw === undefined || raw.trim() === '') return out;
  raw.split(',').forEach((entry, index) => {
    if (entry.trim() === '') return;
    const equals = entry.indexOf('=');
    let key: string;
    let value: string;
    try {
      if (equals <= 0) throw new Error('no key=value');
      key = decodeURIComponent(entry.slice(0, equals).trim());
      value = decodeURIComponent(entry.slice(equals + 1).trim());
      if (key === '') throw new Error('empty key');
    } catch {
      warn(`${name}: entry ${index + 1} is not key=value (percent-encoded); skipped`);
      return;
    }
    out[key] = value;
  });
  return out;
}
