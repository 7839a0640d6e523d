/**
 * The mount template of an Express route (`/orgs/:org/teams/:team`), rebuilt from the app's own
 * router stack, since Express leaves on the request only the *matched* mount path
 * (`req.baseUrl`, `/orgs/acme/teams/7`). Nothing is patched: the layers are read, and matched
 * against the path the way Express matched them, once per distinct mount path (route.ts caches).
 *
 * Express 5 (`router` 2.3 and later): `layer.match(path)` is pure and names the pattern it
 * matched (`{ path, pattern }`). Express 4: `layer.regexp` and `layer.keys`; the template is the
 * matched text with each captured parameter put back as `:name`. Sub-applications are
 * followed from the top app through `req.app.parent`. Anything else (an older `router`, a stack
 * changed since) gives `undefined`, and the caller keeps its fallback.
 */

interface Layer {
  readonly route?: unknown;
  readonly handle?: unknown;
  // Express 5 (router 2.3+): pure, returns the matched pattern.
  readonly match?: (path: string) => unknown;
  // Express 4.
  readonly regexp?: RegExp & { fast_slash?: boolean };
  readonly keys?: ReadonlyArray<{ readonly name?: unknown; readonly optional?: unknown }>;
}
interface App { readonly _router?: unknown; readonly router?: unknown; readonly parent?: unknown }
export interface MountedRequest {
  readonly app?: App;
  readonly originalUrl?: unknown;
}

/** Deepest router nesting followed: a cycle (a router mounted in itself) must end. */
const MAX_DEPTH = 16;
/** Express 4 regexps compiled from a string end so; a user's own RegExp mount usually does not. */
const COMPILED_END = '(?=\\/|$)';
/** Express 4 layer regexps recompiled with indices (`d`), to put each parameter back in place. */
const withIndices = new WeakMap<RegExp, RegExp>();

/**
 * The mounts that last led to each route object, and their template: a new mount path (a new
 * `:org` value) under a known chain costs a match per mount, not a walk of every stack
 * (bench/express-mounts.bench.ts, 14 layers at the top: Express 4 0.8 µs instead of 1.7 µs).
 */
const lastChain = new WeakMap<object, { readonly layers: readonly Layer[]; readonly template: string }>();

/**
 * The template of the mount path under which `route` (a `req.route` object) was reached.
 * `base` is `req.baseUrl`; when Express has already restored it to `''` (an error passed up to
 * the app's final handler), the request's original path is matched instead, as a prefix.
 * Returns `''` for a route of the app's own router, `undefined` when no chain of mounts matches.
 */
export function expressMountTemplate(request: MountedRequest, route: object, base: string): string | undefined {
  try {
    if (base !== '') {
      const known = lastChain.get(route);
      if (known !== undefined && consumes(known.layers, base)) return known.template;
    }
    const app = request.app;
    if (app === undefined || app === null) return undefined;
    // A sub-application (`app.use('/x', subApp)`) is reached from the top app's router through
    // its `mounted_app` layer: the walk follows the chain of parents down to `req.app`.
    const apps = appChain(app);
    const stack = routerStack(apps[0]!);
    if (stack === undefined) return undefined;
    const layers: Layer[] = [];
    if (base !== '') {
      const template = walk(stack, base, route, '', { apps, layers, exact: true }, 0);
      if (template !== undefined && layers.every(oneTemplate)) lastChain.set(route, { layers, template });
      return template;
    }
    const original = request.originalUrl;
    if (typeof original !== 'string') return undefined;
    const query = original.indexOf('?');
    return walk(stack, query < 0 ? original : original.slice(0, query), route, '', { apps, layers, exact: false }, 0);
  } catch {
    // A layer that throws while matching (a malformed escape) leaves the fallback in place.
    return undefined;
  }
}

/** The app's router's layers: Express 4 keeps its router on `_router`; Express 5 on `router` (a getter, made by then). */
function routerStack(app: App): readonly Layer[] | undefined {
  return (stackOf(app._router) ?? stackOf(app.router)) as readonly Layer[] | undefined;
}

/** `app` and its parents, the top app first (Express sets `parent` on a mounted sub-application). */
function appChain(app: App): App[] {
  const chain = [app];
  let at = app.parent;
  while (typeof at === 'function' && chain.length < MAX_DEPTH && !chain.includes(at as App)) {
    chain.unshift(at as App);
    at = (at as App).parent;
  }
  return chain;
}

function stackOf(router: unknown): readonly unknown[] | undefined {
  if ((typeof router !== 'function' && typeof router !== 'object') || router === null) return undefined;
  const stack = (router as { stack?: unknown }).stack;
  return Array.isArray(stack) ? stack : undefined;
}

interface Walk {
  /** The apps from the top one to `req.app`: a `mounted_app` layer at level k leads into apps[k + 1]. */
  readonly apps: readonly App[];
  /** The mounts taken so far. */
  readonly layers: Layer[];
  /** `rest` is what is left of `req.baseUrl`, to be used up; else the rest of the original path. */
  readonly exact: boolean;
}

/**
 * Depth-first through the routers (and sub-applications) whose mount matches the front of
 * `rest`, pushing each mount taken on `walk.layers`; `level` is the app the stack belongs to.
 */
function walk(stack: readonly Layer[], rest: string, route: object, prefix: string, state: Walk, level: number): string | undefined {
  if (!state.exact || rest === '' || rest === '/') {
    for (const layer of stack) if (layer.route === route) return prefix;
  }
  if (state.layers.length >= MAX_DEPTH) return undefined;
  for (const layer of stack) {
    if (layer.route !== undefined) continue;
    let inner = stackOf(layer.handle) as readonly Layer[] | undefined;
    let innerLevel = level;
    if (inner === undefined && level + 1 < state.apps.length && (layer.handle as { name?: unknown } | undefined)?.name === 'mounted_app') {
      innerLevel = level + 1;
      inner = routerStack(state.apps[innerLevel]!);
    }
    if (inner === undefined) continue;
    const mount = matchMount(layer, rest);
    if (mount === undefined) continue;
    state.layers.push(layer);
    const found = walk(inner, rest.slice(mount.length), route, prefix + mount.template, state, innerLevel);
    if (found !== undefined) return found;
    state.layers.pop();
  }
  return undefined;
}

/**
 * Whether a mount gives one template whatever it matched: not one with several paths (an array,
 * whose template depends on which one matched), nor an Express 4 optional parameter.
 */
function oneTemplate(layer: Layer): boolean {
  if (layer.regexp === undefined) return !Array.isArray((layer as { rawPath?: unknown }).rawPath);
  if (!layer.regexp.source.endsWith(COMPILED_END)) return true;
  return !layer.regexp.source.includes('|^') && !(layer.keys ?? []).some((key) => key.optional === true);
}

/** Whether `layers`, matched in turn, take all of `base`. */
function consumes(layers: readonly Layer[], base: string): boolean {
  let rest = base;
  for (const layer of layers) {
    const length = mountLength(layer, rest);
    if (length < 0) return false;
    rest = rest.slice(length);
  }
  return rest === '' || rest === '/';
}

interface Mount { readonly length: number; readonly template: string }

/** How much of the front of `rest` the mount `layer` takes (without its trailing slash), or -1. */
function mountLength(layer: Layer, rest: string): number {
  let matched: string | undefined;
  if (typeof layer.match === 'function' && layer.regexp === undefined) {
    const found = layer.match(rest) as { path?: unknown } | false;
    matched = typeof found === 'object' && found !== null && typeof found.path === 'string' ? found.path : undefined;
  } else if (layer.regexp instanceof RegExp) {
    if (layer.regexp.fast_slash === true) return 0;
    layer.regexp.lastIndex = 0;
    const found = layer.regexp.exec(rest);
    matched = found !== null && found.index === 0 ? found[0] : undefined;
  }
  return matched !== undefined && atBoundary(rest, matched) ? trimmed(matched).length : -1;
}

/** What `layer` (a `use()` mount) takes from the front of `rest`, and its template; `undefined` when it does not match there. */
function matchMount(layer: Layer, rest: string): Mount | undefined {
  if (typeof layer.match === 'function' && layer.regexp === undefined) return matchExpress5(layer.match(rest), rest);
  const regexp = layer.regexp;
  if (regexp instanceof RegExp) return matchExpress4(layer, regexp, rest);
  return undefined;
}

function matchExpress5(match: unknown, rest: string): Mount | undefined {
  // router before 2.3 returns a boolean and keeps no pattern: no template from it.
  if (typeof match !== 'object' || match === null) return undefined;
  const { path, pattern } = match as { path?: unknown; pattern?: unknown };
  if (typeof path !== 'string' || !atBoundary(rest, path)) return undefined;
  // A RegExp mount is shown as written (as a RegExp route path is).
  const template = typeof pattern === 'string' ? (pattern === '/' ? '' : trimmed(pattern)) : pattern instanceof RegExp ? String(pattern) : undefined;
  if (template === undefined) return undefined;
  return { length: trimmed(path).length, template };
}

function matchExpress4(layer: Layer, regexp: RegExp & { fast_slash?: boolean }, rest: string): Mount | undefined {
  if (regexp.fast_slash === true) return { length: 0, template: '' };
  // A user's RegExp is its own template; one compiled from a path gets its parameters back.
  if (!regexp.source.endsWith(COMPILED_END)) {
    const length = mountLength(layer, rest);
    return length < 0 ? undefined : { length, template: String(regexp) };
  }
  let indexed = withIndices.get(regexp);
  if (indexed === undefined) {
    indexed = new RegExp(regexp.source, regexp.flags.replace(/[gy]/g, '') + 'd');
    withIndices.set(regexp, indexed);
  }
  const found = indexed.exec(rest);
  if (found === null || found.index !== 0 || !atBoundary(rest, found[0])) return undefined;
  const matched = trimmed(found[0]);
  const keys = layer.keys ?? [];
  let template = '';
  let at = 0;
  for (let i = 1; i < found.length; i++) {
    const span = found.indices?.[i];
    if (span === undefined || span[0] < at || span[1] > matched.length) continue;
    const key = keys[i - 1];
    const name = key?.name;
    template += matched.slice(at, span[0]) + (typeof name === 'string' ? `:${name}${key?.optional === true ? '?' : ''}` : '*');
    at = span[1];
  }
  return { length: matched.length, template: template + matched.slice(at) };
}

/** Express takes a mount's match only when it ends the path or a segment of it. */
function atBoundary(rest: string, matched: string): boolean {
  if (!rest.startsWith(matched)) return false;
  const next = rest.charCodeAt(matched.length);
  return Number.isNaN(next) || next === 47 || matched.endsWith('/');
}

/** Express drops one trailing slash of each mount from `req.baseUrl`. */
function trimmed(path: string): string {
  return path.endsWith('/') ? path.slice(0, -1) : path;
}
