/**
 * The route template of a request, read from what the frameworks leave on it, never from its
 * path: Fastify's handler channel (recorded under `FASTIFY_ROUTE`), Express's (4 and 5, and so
 * Nest on Express) `req.route.path` under the template of the routers it was mounted by. A
 * request no route matched is `UNMATCHED`.
 */

import { expressMountTemplate, type MountedRequest } from './express-mounts.js';

/** The route of a request that no framework route matched (404s, static files, plain `http` handlers). */
export const UNMATCHED = 'unmatched';
/** The route every request past the route cap is folded into. */
export const OTHER_ROUTE = 'other';

/** Where the Fastify channel leaves the route on the raw request (a registered symbol: one for every copy of hmetrics). */
export const FASTIFY_ROUTE = Symbol.for('hmetrics.http-server.route');

interface ExpressRoute { readonly path?: unknown }
export interface RoutedRequest extends MountedRequest {
  readonly route?: ExpressRoute | undefined;
  readonly baseUrl?: unknown;
  readonly [FASTIFY_ROUTE]?: string;
}

/**
 * The last mount path seen with each Express route object and its joined template. Express
 * builds `req.baseUrl` afresh for every request: comparing it with the last one is cheaper than
 * hashing it for a Map (measured with a CPU profile: routeOf's share fell from about 1 µs of
 * handler time per request to a fraction).
 */
const lastJoin = new WeakMap<object, { base: string; template: string }>();
/** Joined routes by mount path then route object; bounded, cleared when full (raw mount paths may vary). */
const joined = new Map<string, Map<object, string>>();
const MAX_JOINED = 1_000;
let joinedSize = 0;
/** Route paths that are not strings (a RegExp, an array of paths), as text. */
const pathText = new WeakMap<object, string>();

/**
 * The route template of `request`, or `UNMATCHED`. A known route allocates nothing: the
 * template is a string the framework already holds, or one joined earlier and cached.
 * `fastify` says whether Fastify's channel has named a route yet (until then the lookup of its
 * symbol, a miss along the request's prototype chain, is skipped).
 */
export function routeOf(request: RoutedRequest, fastify: boolean): string {
  if (fastify) {
    const template = request[FASTIFY_ROUTE];
    if (template !== undefined) return template;
  }
  const route = request.route;
  if (route === undefined || route === null) return UNMATCHED;
  const path = templateText(route.path);
  if (path === undefined) return UNMATCHED;
  if (typeof route !== 'object') return path;
  const raw = request.baseUrl;
  const base = typeof raw === 'string' ? raw : '';
  const last = lastJoin.get(route);
  if (last !== undefined && last.base === base) return last.template;
  if (base === '') {
    // Express restores `baseUrl` as each router exits: a route under a mount whose error went
    // up to the app's final handler has none left. Its mount is found from the original path.
    const mount = expressMountTemplate(request, route, '');
    if (mount === undefined || mount === '') {
      lastJoin.set(route, { base, template: path });
      return path;
    }
    return join(mount, path);
  }
  const template = joinedTemplate(request, route, base, path);
  lastJoin.set(route, { base, template });
  return template;
}

function joinedTemplate(request: RoutedRequest, route: object, base: string, path: string): string {
  let byRoute = joined.get(base);
  const known = byRoute?.get(route);
  if (known !== undefined) return known;
  if (joinedSize >= MAX_JOINED) {
    joined.clear();
    joinedSize = 0;
    byRoute = undefined;
  }
  if (byRoute === undefined) {
    byRoute = new Map();
    joined.set(base, byRoute);
  }
  const template = join(expressMountTemplate(request, route, base) ?? mountTemplate(base), path);
  byRoute.set(route, template);
  joinedSize++;
  return template;
}

function join(mount: string, path: string): string {
  return path === '/' && mount !== '' ? mount : mount + path;
}

function templateText(path: unknown): string | undefined {
  if (typeof path === 'string') return path;
  if (typeof path !== 'object' || path === null) return undefined;
  let text = pathText.get(path);
  if (text === undefined) {
    text = Array.isArray(path) ? path.map(String).join('|') : String(path);
    pathText.set(path, text);
  }
  return text;
}

// The fallback when the mount's template cannot be rebuilt from the router stack (see
// express-mounts.ts): segments of the matched mount path that look like values become `:param`.
const VALUE_SEGMENT = /^(?:\d+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{16,}|[^/]{41,})$/i;

/** A mount path with its value-like segments (numbers, UUIDs, long hex or long tokens) replaced by `:param`. */
export function mountTemplate(base: string): string {
  const parts = base.split('/');
  for (let i = 0; i < parts.length; i++) if (VALUE_SEGMENT.test(parts[i]!)) parts[i] = ':param';
  return parts.join('/');
}
