import { lazy } from '../lazy.js';
import { HerokuMetricsURLUnset, InvalidEndpoint } from '../util/errors.js';
import { missingSchemeHint } from '../config/endpoint.js';
import { redactEndpoint } from '../util/redact.js';
import type { Sink, SinkOptions } from './sink.js';
import type { OtlpOptions } from '../otlp/options.js';

// A sink's modules load only when an endpoint uses its scheme (startup cost of onload).
const heroku = (url: URL, options: SinkOptions): Sink =>
  new (lazy.herokuSink().HerokuSink)(url, options);

/**
 * What one scheme's sink takes beyond every sink's options: the factory table is the one place
 * that knows each scheme, so the generic `SinkOptions` knows none of them.
 */
export interface SchemeOptions {
  /** Options of `otlp+http:`/`otlp+https:` endpoints (`ReportOptions.otlp`). */
  readonly otlp?: OtlpOptions | undefined;
}

/** The schemes a sink speaks, and the sink each one builds. */
const FACTORIES: Record<string, (url: URL, options: SinkOptions & SchemeOptions) => Sink> = {
  'http:': heroku,
  'https:': heroku,
  'udp:': (url) => new (lazy.statsdSink().StatsdSink)(url),
  'log:': (_url, options) => new (lazy.logSink().LogSink)(options),
  'otlp+http:': (url, options) => new (lazy.otlpSink().OtlpSink)(url, options),
  'otlp+https:': (url, options) => new (lazy.otlpSink().OtlpSink)(url, options),
};

/**
 * Parses one or more endpoints separated by white space into URLs, checking each scheme.
 * Throws `HerokuMetricsURLUnset` when there are none and `InvalidEndpoint` (which never quotes
 * the endpoint's credentials) when one does not parse or no sink speaks its scheme.
 */
export function parseEndpoints(endpoint: string | undefined | null): URL[] {
  if (endpoint !== undefined && endpoint !== null && typeof endpoint !== 'string') {
    throw new InvalidEndpoint(`expected a string of URLs separated by spaces, got ${typeof endpoint}`);
  }
  const parts = (endpoint ?? '').split(/\s+/).filter((part) => part.length > 0);
  if (parts.length === 0) throw new HerokuMetricsURLUnset();
  return parts.map((part, index) => {
    let url: URL;
    try {
      url = new URL(part);
    } catch {
      // The unparseable text may be a secret itself: describe it, never quote it.
      throw new InvalidEndpoint(`endpoint ${index + 1} is not a URL (${part.length} characters)${missingSchemeHint(part)}`, { cause: new Error('URL parse failed') });
    }
    if (!(url.protocol in FACTORIES)) {
      // `localhost:8126` parses as scheme `localhost:`: the hint says what was meant.
      const hint = missingSchemeHint(part);
      if (hint) throw new InvalidEndpoint(`endpoint ${index + 1} has no scheme${hint}`);
      throw new InvalidEndpoint(`${redactEndpoint(url)} has scheme ${url.protocol}; expected http:, https:, udp:, log:, otlp+http: or otlp+https:`);
    }
    if (url.protocol !== 'log:' && url.hostname === '') {
      throw new InvalidEndpoint(`${url.protocol} endpoint ${index + 1} has no host`);
    }
    if (url.protocol === 'udp:' && url.port === '') {
      throw new InvalidEndpoint(`${redactEndpoint(url)} needs a port (udp://host:8125)`);
    }
    return url;
  });
}

/** One sink per endpoint URL. */
export function createSinks(urls: readonly URL[], options: SinkOptions & SchemeOptions): Sink[] {
  return urls.map((url) => FACTORIES[url.protocol]!(url, options));
}
