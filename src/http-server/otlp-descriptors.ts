import { HttpServerMetric } from '../metrics/names.js';
import type { Tags } from '../metrics/series.js';
import type { Attributes, AttributeValue } from '../otlp/model.js';
import type { Descriptor } from '../otlp/semconv.js';

/** The semantic conventions' advised buckets for `http.server.request.duration`, seconds. */
export const HTTP_DURATION_BUCKETS: readonly number[] = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];
/** Body-size buckets, bytes: the OpenTelemetry SDK's default explicit buckets (the conventions advise none). */
export const HTTP_BODY_SIZE_BUCKETS: readonly number[] = [0, 5, 10, 25, 50, 75, 100, 250, 500, 750, 1000, 2500, 5000, 7500, 10000];

/** Our tag keys → the semantic conventions' attribute names. */
const ATTRIBUTE_NAMES: Readonly<Record<string, string>> = {
  method: 'http.request.method',
  route: 'http.route',
  status_code: 'http.response.status_code',
  error_type: 'error.type',
};
const byTags = new WeakMap<Tags, Attributes>();

/**
 * The monitor's tags as semantic-convention attributes: `http.response.status_code` an integer
 * when the monitor tags codes (a class such as `2xx` stays a string: the conventions have no
 * class attribute, and the code is what they want, see docs/http-server.md).
 */
export function httpServerAttributes(tags: Tags): Attributes {
  const cached = byTags.get(tags);
  if (cached !== undefined) return cached;
  const out: [string, AttributeValue][] = [];
  for (const tag of tags) {
    const colon = tag.indexOf(':');
    const key = colon < 0 ? tag : tag.slice(0, colon);
    const raw = colon < 0 ? '' : tag.slice(colon + 1);
    const name = ATTRIBUTE_NAMES[key] ?? key;
    out.push([name, name === 'http.response.status_code' && /^\d{3}$/.test(raw) ? Number(raw) : raw]);
  }
  byTags.set(tags, out);
  return out;
}

const histogram = (name: string, unit: string, description: string, buckets: readonly number[], scale?: number): Descriptor => ({
  name, unit, description, instrument: 'histogram', buckets, attributes: httpServerAttributes, ...(scale === undefined ? {} : { scale }),
});

/**
 * How the monitor's series reach OTLP, under the HTTP semantic conventions' names. The request
 * and error counters are left out (`null`): the duration histogram's count, by `error.type`,
 * carries both, as OpenTelemetry's own HTTP instrumentation sends them.
 */
export const HTTP_SERVER_DESCRIPTORS: ReadonlyMap<string, Descriptor | null> = new Map<string, Descriptor | null>([
  [HttpServerMetric.durationMs, histogram('http.server.request.duration', 's', 'Duration of HTTP server requests.', HTTP_DURATION_BUCKETS, 1e-3)],
  [HttpServerMetric.requestBodyBytes, histogram('http.server.request.body.size', 'By', 'Size of HTTP server request bodies.', HTTP_BODY_SIZE_BUCKETS)],
  [HttpServerMetric.responseBodyBytes, histogram('http.server.response.body.size', 'By', 'Size of HTTP server response bodies.', HTTP_BODY_SIZE_BUCKETS)],
  [HttpServerMetric.activeRequests, { name: 'http.server.active_requests', unit: '{request}', description: 'Number of active HTTP server requests.', instrument: 'upDownCounter' }],
  [HttpServerMetric.requests, null],
  [HttpServerMetric.errors, null],
]);
