import { DeliveryFailed, InvalidEndpoint } from '../util/errors.js';
import type { Snapshot } from '../metrics/snapshot.js';
import { redactEndpoint } from '../util/redact.js';
import { HttpPoster, type PostResponse } from '../transport/http.js';
import type { Sink, SinkOptions } from '../sinks/sink.js';
import { buildExport, ExportState } from './build-request.js';
import { encodeJson } from './encode-json.js';
import { encodeProto } from './encode-proto.js';
import { OtlpExportRejected } from './errors.js';
import type { Attributes } from './model.js';
import { resolveOtlpOptions, type OtlpOptions, type ResolvedOtlpOptions } from './options.js';
import { buildResource, hmetricsVersion } from './resource.js';
import { readPartialSuccess } from './response.js';
import { POLICIES } from '../delivery/backoff.js';
import { retryWait } from '../delivery/retry.js';
import { sleep } from '../util/time.js';
// `performance` below is the global, node:perf_hooks' own object: importing the module made the
// bundled OTLP chunk wrap it and copy its exports when it loads.

/** Statuses the OTLP spec calls retryable. */
const RETRYABLE = new Set([429, 502, 503, 504]);

/** Cumulative state by endpoint and temporality: a restarted loop keeps its start times. */
const STATES = new Map<string, ExportState>();

/** The path OTLP/HTTP metrics go to when the endpoint gives none. */
export const DEFAULT_METRICS_PATH = '/v1/metrics';

/**
 * OTLP/HTTP metrics export (`otlp+http://host:4318/v1/metrics`, `otlp+https://…`): one
 * `ExportMetricsServiceRequest` per delivery, protobuf (default) or JSON, optionally gzipped.
 * Retries 429/502/503/504 within the delivery's timeout by the OTLP delivery policy
 * (src/delivery/backoff.ts and retry.ts: `Retry-After` or exponential backoff, never sooner than 1 s, a
 * `Retry-After` capped by the interval); a network error is not retried within the delivery
 * (the next interval does, with the data carried over; an exit flush costs one attempt); other 4xx
 * answers are not retried and their data is dropped (`OtlpExportRejected`), as the spec says;
 * a partial success is reported the same way. Anything else that fails keeps its data for the
 * next interval, through the report loop's carry-over.
 */
export class OtlpSink implements Sink {
  readonly label: string;
  readonly #poster: HttpPoster;
  readonly #path: string;
  readonly #options: ResolvedOtlpOptions;
  readonly #timeout: number;
  /** The report interval: the longest a `Retry-After` holds deliveries back. */
  readonly #interval: number | undefined;
  readonly #resource: Attributes;
  readonly #state: ExportState;
  readonly #headers: Record<string, string>;
  readonly #now: () => number;
  /** No request before this time (epoch ms): what a `Retry-After` longer than a delivery asked for. */
  #notBefore = 0;
  #closed = false;

  constructor(url: URL, options: SinkOptions & { readonly otlp?: OtlpOptions | undefined; readonly now?: () => number }) {
    const target = toHttpUrl(url);
    this.label = redactEndpoint(url);
    this.#options = resolveOtlpOptions(options.otlp);
    this.#poster = new HttpPoster(target);
    // `otlp+http://host:4318` (no path at all) means the spec's path; any path given is used as is.
    this.#path = (url.pathname === '' ? DEFAULT_METRICS_PATH : target.pathname) + target.search;
    this.#timeout = options.timeout;
    this.#interval = options.interval;
    this.#now = options.now ?? Date.now;
    this.#resource = buildResource(this.#options);
    const key = `${url.href} ${this.#options.temporality}`;
    this.#state = STATES.get(key) ?? new ExportState();
    STATES.set(key, this.#state);
    this.#headers = {
      ...this.#options.headers,
      'Content-Type': this.#options.protocol === 'http/json' ? 'application/json' : 'application/x-protobuf',
      'User-Agent': `hmetrics/${hmetricsVersion()}`,
      ...(this.#options.compression === 'gzip' ? { 'Content-Encoding': 'gzip' } : {}),
    };
  }

  async deliver(snapshot: Snapshot, signal: AbortSignal): Promise<void> {
    const started = performance.now();
    if (this.#now() < this.#notBefore) {
      throw new DeliveryFailed(this.label, `waiting ${Math.ceil((this.#notBefore - this.#now()) / 1000)} s more, as the collector's Retry-After asked`);
    }
    // Nothing to say (no runtime sampling, nothing pushed): no connection, no request.
    if (isEmpty(snapshot)) return;
    // Connected first, built after: a collector that refuses or cannot be reached costs the
    // attempt alone, not the export's build and encoding too (a short job with its collector
    // down paid about 2.7 ms of CPU for them at exit; bench/startup.bench.ts).
    await this.#poster.open({ timeout: Math.max(1, this.#timeout - (performance.now() - started)), signal });
    const built = buildExport(snapshot, this.#state, this.#options, this.#resource, { name: 'hmetrics', version: hmetricsVersion() });
    // Every series mapped to nothing: no request (the connection stays open for the next one).
    if (built.dataPoints === 0) return;
    const body = await this.#encode(built.request);
    for (let attempt = 1; ; attempt++) {
      const remaining = this.#timeout - (performance.now() - started);
      let response: PostResponse;
      try {
        response = await this.#poster.post(this.#path, body, { headers: this.#headers, timeout: Math.max(1, remaining), signal, maxBody: 16_384 });
      } catch (error) {
        // Refused, unreachable, reset or timed out: not retried within this delivery. The next
        // interval retries with the data carried over, and a short job's exit flush costs one
        // attempt instead of retries until flushTimeout (a job that did nothing took +2 s).
        throw error;
      }
      const { status } = response;
      if (status >= 200 && status <= 299) {
        built.commit();
        const partial = readPartialSuccess(response.bytes, header(response, 'content-type'));
        if (partial) {
          const detail = partial.errorMessage === '' ? '' : `: ${partial.errorMessage}`;
          throw new OtlpExportRejected(this.label, `collector rejected ${partial.rejectedDataPoints} of ${built.dataPoints} data points${detail}`, status, partial.rejectedDataPoints);
        }
        return;
      }
      if (RETRYABLE.has(status)) {
        const header = response.headers['retry-after'];
        const wait = retryWait(POLICIES.otlp, header, attempt, this.#now(), this.#interval);
        if (!signal.aborted && !this.#closed && wait.ms < this.#timeout - (performance.now() - started)) {
          await sleep(wait.ms, signal);
          continue;
        }
        // What the collector asked for holds back the next deliveries too (never past the interval).
        if (wait.source !== 'backoff') this.#notBefore = this.#now() + wait.ms;
        const said = wait.source === 'retry-after' ? `, Retry-After ${Math.ceil(wait.ms / 1000)} s`
          : wait.source === 'retry-after-invalid' ? `, invalid Retry-After (waiting ${Math.ceil(wait.ms / 1000)} s)` : '';
        throw new DeliveryFailed(this.label, `HTTP ${status}${said}; kept for the next interval`, status);
      }
      if (status >= 400 && status <= 499) {
        // The request itself is refused: sending it again cannot succeed (OTLP/HTTP spec).
        built.commit();
        throw new OtlpExportRejected(this.label, `HTTP ${status}: the collector refused the export; ${built.dataPoints} data points dropped, not retried`, status, built.dataPoints);
      }
      throw new DeliveryFailed(this.label, `HTTP ${status}; kept for the next interval`, status);
    }
  }

  async #encode(request: Parameters<typeof encodeProto>[0]): Promise<Uint8Array | string> {
    const plain = this.#options.protocol === 'http/json' ? encodeJson(request) : encodeProto(request);
    if (this.#options.compression !== 'gzip') return plain;
    const zlib = process.getBuiltinModule('node:zlib');
    return new Promise((resolve, reject) => zlib.gzip(plain, (error, out) => (error ? reject(error) : resolve(out))));
  }

  close(): void {
    this.#closed = true;
    this.#poster.close();
  }
}

/** `otlp+http:` → `http:`, `otlp+https:` → `https:`; anything else is not an OTLP endpoint. */
export function toHttpUrl(url: URL): URL {
  if (url.protocol !== 'otlp+http:' && url.protocol !== 'otlp+https:') {
    throw new InvalidEndpoint(`${redactEndpoint(url)} is not an otlp+http: or otlp+https: endpoint`);
  }
  return new URL(url.href.slice('otlp+'.length));
}

function isEmpty(snapshot: Snapshot): boolean {
  return snapshot.counters.size === 0 && snapshot.gauges.size === 0 && snapshot.timers.size === 0 && snapshot.sets.size === 0;
}

function header(response: PostResponse, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
