import { DeliveryFailed } from '../util/errors.js';
import type { Snapshot } from '../metrics/snapshot.js';
import { flatten } from './flatten.js';
import { foldedTags, TAGS_HEADER } from './folded-tags.js';
import { HttpPoster } from '../transport/http.js';
import { rfc3339 } from './rfc3339.js';
import type { Sink, SinkOptions } from './sink.js';
import type { StopSignal } from '../util/stop.js';

/**
 * Heroku's language-metrics endpoint: one JSON POST per interval,
 * `{"counters":{…},"gauges":{…}}`, with the interval's end as `Measurements-Time` (RFC 3339).
 * Any 2xx is success; anything else is a `DeliveryFailed` carrying the status. An endpoint that
 * answers with `Hmetrics-Tags: 1` (the `hmetrics receive` live page) gets from then on a third
 * key, `tags`: the original tags behind the folded names (see `foldedTags`); Heroku never asks.
 */
export class HerokuSink implements Sink {
  readonly #poster: HttpPoster;
  readonly #options: SinkOptions;
  readonly #path: string;
  /** The endpoint asked for the original tags (only hmetrics' own receiver does). */
  #tagsWanted = false;

  constructor(url: URL, options: SinkOptions) {
    this.#poster = new HttpPoster(url);
    this.#options = options;
    this.#path = url.pathname + url.search;
  }

  get label(): string {
    return this.#poster.label;
  }

  async deliver(snapshot: Snapshot, signal: StopSignal): Promise<void> {
    const flat = flatten(snapshot, this.#options.percentiles);
    const body = JSON.stringify(this.#tagsWanted ? { ...flat, tags: foldedTags(snapshot) } : flat);
    const response = await this.#poster.post(this.#path, body, {
      headers: {
        'Content-Type': 'application/json',
        'Measurements-Time': rfc3339(snapshot.time),
        'User-Agent': 'hmetrics',
      },
      timeout: this.#options.timeout,
      signal,
      maxBody: 1024,
    });
    if (response.status < 200 || response.status > 299) {
      throw new DeliveryFailed(this.label, `HTTP ${response.status}`, response.status);
    }
    this.#tagsWanted = response.headers[TAGS_HEADER] === '1';
  }

  close(): void {
    this.#poster.close();
  }
}
