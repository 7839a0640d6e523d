import type { Tags } from '../metrics/series.js';
import { OTHER_ROUTE } from './route.js';

/** Methods kept as they are; any other becomes `_OTHER` (OpenTelemetry's rule, so a client cannot invent series). */
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH']);
const OTHER_METHOD = '_OTHER';
/** Longest route kept; longer ones are cut (a template this long is almost surely a mistake). */
const MAX_ROUTE_LENGTH = 128;
/** Characters that would break a statsd tag or a series key. */
const UNSAFE_ROUTE = /[,|#\s]/g;

/** Outcome of a request as its tags say it: a status, or an abort before the response finished. */
export const ABORTED = -1;

/**
 * Tag arrays `method:`, `route:`, `status_code:` (and `error_type:` for 5xx and aborts), one
 * frozen array per combination, reused, so a known combination costs three Map lookups and no
 * allocation. At most `maxRoutes` distinct routes per interval; the rest share `route:other`.
 */
export class RouteTags {
  readonly #maxRoutes: number;
  readonly #statusCodes: boolean;
  #routes = new Map<string, Map<string, Map<number, Tags>>>();
  /** Requests folded into `route:other` since the last `reset()`. */
  folded = 0;

  constructor(maxRoutes: number, statusCodes: boolean) {
    this.#maxRoutes = maxRoutes;
    this.#statusCodes = statusCodes;
  }

  /**
   * Tags of a settled request. `status` is the response's status code, or `ABORTED` when the
   * response never finished (then no status is tagged: the client did not get a whole answer).
   */
  tags(route: string, method: string | undefined, status: number): Tags {
    let methods = this.#routes.get(route);
    if (methods === undefined) {
      if (this.#routes.size >= this.#maxRoutes) {
        this.folded++;
        route = OTHER_ROUTE;
        methods = this.#routes.get(route);
      }
      if (methods === undefined) {
        methods = new Map();
        this.#routes.set(route, methods);
      }
    }
    const verb = method !== undefined && KNOWN_METHODS.has(method) ? method : OTHER_METHOD;
    let statuses = methods.get(verb);
    if (statuses === undefined) {
      statuses = new Map();
      methods.set(verb, statuses);
    }
    // One integer per outcome: the code or the class, -1 for an abort.
    const key = status === ABORTED || this.#statusCodes ? status : Math.floor(status / 100);
    let tags = statuses.get(key);
    if (tags === undefined) {
      tags = this.#make(route, verb, status);
      statuses.set(key, tags);
    }
    return tags;
  }

  /** A new interval: routes seen before compete for the slots again. */
  reset(): void {
    this.#routes = new Map();
    this.folded = 0;
  }

  #make(route: string, method: string, status: number): Tags {
    const tags = [`method:${method}`, `route:${cleanRoute(route)}`];
    if (status !== ABORTED) {
      const valid = status >= 100 && status <= 599;
      tags.push(`status_code:${!valid ? 'other' : this.#statusCodes ? String(status) : `${Math.floor(status / 100)}xx`}`);
      if (status >= 500 && valid) tags.push(`error_type:${status}`);
    } else {
      tags.push('error_type:aborted');
    }
    return Object.freeze(tags);
  }
}

function cleanRoute(route: string): string {
  const clean = route.replace(UNSAFE_ROUTE, '_');
  return clean.length > MAX_ROUTE_LENGTH ? clean.slice(0, MAX_ROUTE_LENGTH) : clean || '/';
}
