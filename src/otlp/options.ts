import { OTLP_DEFAULT_INTERVAL } from '../config/read.js';
import { InvalidOption } from '../util/errors.js';

/** How the OTLP sink sends: `http/protobuf` (the spec's default) or `http/json`. */
export type OtlpProtocol = 'http/protobuf' | 'http/json';

/**
 * Which temporality sums and histograms use, by OTLP's
 * `OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE`: `cumulative` everywhere; `delta` for
 * counters, observable counters and histograms; `lowmemory` for counters and histograms only.
 * Up-down counters stay cumulative in every case, as the spec says.
 */
export type OtlpTemporalityPreference = 'cumulative' | 'delta' | 'lowmemory';

/** Options of the OTLP sink (`otlp+http://…` / `otlp+https://…` endpoints). */
export interface OtlpOptions {
  /** Wire format. @default 'http/protobuf' */
  readonly protocol?: OtlpProtocol;
  /** Extra request headers, e.g. a vendor's API key. Never printed. @default {} */
  readonly headers?: Readonly<Record<string, string>>;
  /** Compress request bodies. @default 'none' */
  readonly compression?: 'gzip' | 'none';
  /** Temporality of sums and histograms. @default 'cumulative' */
  readonly temporality?: OtlpTemporalityPreference;
  /** `service.name` of the resource. @default `unknown_service:node` (or `service.name` in `resourceAttributes`) */
  readonly serviceName?: string;
  /** More resource attributes (they win over the detected ones, `serviceName` wins over them). @default {} */
  readonly resourceAttributes?: Readonly<Record<string, string>>;
  /**
   * Upper bounds of the histogram buckets timers are sent with, in the timer's unit (ms by
   * convention). @default OTel's default: [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000]
   */
  readonly timerBuckets?: readonly number[];
  /** Series whose cumulative state (start time, totals) is kept per endpoint. @default 10000 */
  readonly maxSeries?: number;
}

export const OTLP_DEFAULTS = {
  protocol: 'http/protobuf',
  compression: 'none',
  temporality: 'cumulative',
  serviceName: 'unknown_service:node',
  /** The OpenTelemetry SDK's default explicit bucket boundaries. */
  timerBuckets: [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000],
  maxSeries: 10_000,
  /** OTEL_METRIC_EXPORT_INTERVAL's default, ms. */
  exportInterval: OTLP_DEFAULT_INTERVAL,
  /** OTEL_EXPORTER_OTLP_TIMEOUT's default, ms. */
  timeout: 10_000,
} as const;

export type ResolvedOtlpOptions = Required<OtlpOptions>;

/** Checks the options once, early, with a message naming the bad one. */
export function resolveOtlpOptions(options: OtlpOptions = {}): ResolvedOtlpOptions {
  if (typeof options !== 'object' || options === null) throw new InvalidOption(`Expected \`otlp\` to be an object, got ${String(options)}`);
  const protocol = options.protocol ?? OTLP_DEFAULTS.protocol;
  if (protocol !== 'http/protobuf' && protocol !== 'http/json') {
    throw new InvalidOption(`Expected \`otlp.protocol\` to be 'http/protobuf' or 'http/json', got ${JSON.stringify(protocol)}`);
  }
  const compression = options.compression ?? OTLP_DEFAULTS.compression;
  if (compression !== 'gzip' && compression !== 'none') {
    throw new InvalidOption(`Expected \`otlp.compression\` to be 'gzip' or 'none', got ${JSON.stringify(compression)}`);
  }
  const temporality = options.temporality ?? OTLP_DEFAULTS.temporality;
  if (temporality !== 'cumulative' && temporality !== 'delta' && temporality !== 'lowmemory') {
    throw new InvalidOption(`Expected \`otlp.temporality\` to be 'cumulative', 'delta' or 'lowmemory', got ${JSON.stringify(temporality)}`);
  }
  const headers = stringRecord('headers', options.headers);
  const resourceAttributes = stringRecord('resourceAttributes', options.resourceAttributes);
  const serviceName = options.serviceName ?? resourceAttributes['service.name'] ?? OTLP_DEFAULTS.serviceName;
  if (typeof serviceName !== 'string' || serviceName === '') {
    throw new InvalidOption(`Expected \`otlp.serviceName\` to be a non-empty string, got ${JSON.stringify(serviceName)}`);
  }
  const timerBuckets = options.timerBuckets ?? OTLP_DEFAULTS.timerBuckets;
  if (!Array.isArray(timerBuckets) || timerBuckets.some((b, i) => typeof b !== 'number' || !Number.isFinite(b) || (i > 0 && b <= timerBuckets[i - 1]!))) {
    throw new InvalidOption(`Expected \`otlp.timerBuckets\` to be finite numbers in increasing order, got ${JSON.stringify(timerBuckets)}`);
  }
  const maxSeries = options.maxSeries ?? OTLP_DEFAULTS.maxSeries;
  if (!Number.isSafeInteger(maxSeries) || maxSeries <= 0) {
    throw new InvalidOption(`Expected \`otlp.maxSeries\` to be a positive integer, got ${String(maxSeries)}`);
  }
  return { protocol, compression, temporality, headers, serviceName, resourceAttributes, timerBuckets, maxSeries };
}

function stringRecord(name: string, value: unknown): Record<string, string> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Object.values(value).some((v) => typeof v !== 'string')) {
    // Never quote the value: headers carry API keys.
    throw new InvalidOption(`Expected \`otlp.${name}\` to be an object of strings`);
  }
  return { ...(value as Record<string, string>) };
}
