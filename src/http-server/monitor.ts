import { shared } from '../util/global-state.js';
import { processAggregator, type Aggregator } from '../metrics/aggregator.js';
import { HttpServerMetric } from '../metrics/names.js';
import { checkInteger } from '../util/check.js';
import { FASTIFY_ROUTE, routeOf, type RoutedRequest } from './route.js';
import { ABORTED, RouteTags } from './route-tags.js';
import { subscribeAll, type Subscription } from '../util/channels.js';
import { declaredLength, LONG_LIVED_MS, STREAMING, UNTIMED, type RequestRecorder } from './core.js';
import { http2Subscriptions } from './http2.js';
import { upgradeObserver } from './upgrade.js';

/** Options of `enableHttpServerMonitor()`. */
export interface HttpServerMonitorOptions {
  /** Distinct `route:` tags per interval; requests on further routes are tagged `route:other`. @default 100 */
  readonly maxRoutes?: number;
  /** Tag the status code (`status_code:404`) instead of its class (`status_code:4xx`). @default false */
  readonly statusCodes?: boolean;
  /** Where the figures go. @default processAggregator */
  readonly aggregator?: Aggregator;
  /** Monotonic clock, ms. @default performance.now */
  readonly now?: () => number;
}

/** Defaults of `HttpServerMonitorOptions`. */
export const HTTP_SERVER_MONITOR_DEFAULTS = { maxRoutes: 100, statusCodes: false } as const;

interface ServerRequest extends RoutedRequest {
  readonly method?: string;
  readonly rawHeaders: readonly string[];
}
interface ServerResponse {
  readonly statusCode: number;
  readonly headersSent: boolean;
  /** The header block Node wrote (a string once the headers are sent). */
  readonly _header?: unknown;
  /** The length Node framed the response with, once its headers are built (null: chunked). */
  readonly _contentLength?: unknown;
  getHeader(name: string): unknown;
}
interface ServerSocket {
  /** The response being written on this connection (Node's own field; later pipelined ones wait behind it). */
  readonly _httpMessage?: ServerResponse | null;
  on(event: 'close', listener: (this: ServerSocket) => void): unknown;
}
interface ChannelMessage { readonly request: ServerRequest; readonly response: ServerResponse; readonly socket?: ServerSocket | null }

/**
 * A response whose socket closes before it finished is settled as aborted. One 'close'
 * listener per connection, not per response (a keep-alive connection serves many): the
 * listener is this module's, marked on the socket, and reaches the enabled monitor through
 * `onAbandoned`, so enabling again never stacks listeners on a long-lived connection.
 */
const WATCHED = Symbol('hmetrics.http-server.watched');
let onAbandoned: ((response: ServerResponse) => void) | undefined;
/** Pipelined responses queued behind the one being written, on sockets that have them (rare: most clients never pipeline). */
const WAITING = Symbol('hmetrics.http-server.waiting');
type Watched = ServerSocket & { [WATCHED]?: true; [WAITING]?: ServerResponse[] };
function onSocketClose(this: Watched): void {
  const response = this._httpMessage;
  if (response !== undefined && response !== null) onAbandoned?.(response);
  // Node never writes (nor closes) a queued response once its connection is gone.
  const waiting = this[WAITING];
  if (waiting !== undefined) for (const queued of waiting) onAbandoned?.(queued);
}
/**
 * Notes a response that Node queued behind the one its connection is writing (pipelining), so
 * the connection's close settles it too; finished ones are dropped from the front as they go
 * (pipelined responses finish in order).
 */
function noteQueued(socket: Watched, response: ServerResponse): void {
  const waiting = (socket[WAITING] ??= []);
  while (waiting.length > 0 && (waiting[0] as { writableFinished?: boolean }).writableFinished === true) waiting.shift();
  waiting.push(response);
}

interface Monitor { readonly unsubscribe: () => void }
// One monitor per process, whichever copy of the package enabled it: two would count each request twice.
const active = shared<{ monitor?: Monitor | undefined }>('http-server-monitor', () => ({}));

/**
 * Observes every request served by `http`, `https` (and HTTP/1.1 on an `http2` server with
 * `allowHTTP1`) through `diagnostics_channel`, HTTP/2 streams where Node publishes them (22.17,
 * 24.2 and later), and WebSocket upgrades an app's `'upgrade'` listener takes, with no
 * middleware and nothing patched, and
 * aggregates per route template, method and status class: `http.server.requests`,
 * `http.server.errors` (5xx, and requests whose response never finished: aborted by the
 * client, socket closed), the `http.server.request.duration.ms` timer, declared body sizes and
 * `http.server.active_requests`. Routes come from Express (`req.route`, `req.baseUrl`) and
 * Fastify (its `tracing:fastify.request.handler` channel); a request no route matched is
 * `unmatched`. Server-sent-event streams are counted once, when they end, and not timed;
 * upgrades are counted once, status 101, and not timed.
 * Calling it again replaces the options. See docs/http-server.md.
 *
 * @example
 * enableHttpServerMonitor({ maxRoutes: 50 });
 */
export function enableHttpServerMonitor(options: HttpServerMonitorOptions = {}): void {
  const maxRoutes = checkInteger('maxRoutes', options.maxRoutes ?? HTTP_SERVER_MONITOR_DEFAULTS.maxRoutes, { min: 0 });
  disableHttpServerMonitor();
  const aggregator = options.aggregator ?? processAggregator;
  const routes = new RouteTags(maxRoutes, options.statusCodes ?? HTTP_SERVER_MONITOR_DEFAULTS.statusCodes);
  // `performance` imported, not the global: Node defines the global as an accessor, and reading
  // it missed V8's global-load cache on every call (callgrind: ~300 instructions a request).
  const now = options.now ?? (() => performance.now());
  // The start time rides on the response under a symbol private to this enable() (as the
  // client monitor does): no Map, no per-request object; -1 once settled.
  const START = Symbol('hmetrics.http-server.start');
  type Timed = Record<symbol, number | undefined>;
  let inFlight = 0;
  let live = true;
  let fastify = false;

  const onStart = (message: unknown): void => {
    const { response, socket } = message as ChannelMessage;
    (response as unknown as Timed)[START] = now();
    inFlight++;
    // A response that never finishes is settled when its connection closes (see onSocketClose).
    if (socket === undefined || socket === null) return;
    const watched = socket as Watched;
    if (watched[WATCHED] === undefined) {
      watched[WATCHED] = true;
      socket.on('close', onSocketClose);
    }
    const current = socket._httpMessage;
    if (current !== response && current !== undefined && current !== null) noteQueued(watched, response);
  };
  const onFinish = (message: unknown): void => {
    const { request, response } = message as ChannelMessage;
    const start = (response as unknown as Timed)[START];
    if (start === undefined || start < 0 || !live) return;
    (response as unknown as Timed)[START] = -1;
    inFlight--;
    const elapsed = now() - start;
    // Only a response that lasted can be a stream worth leaving untimed: reading its
    // Content-Type on every request cost more than the rest of the handler.
    settle(request, response, response.statusCode, elapsed, elapsed >= LONG_LIVED_MS && isStreaming(response));
  };
  const onClose = (response: ServerResponse): void => {
    const start = (response as unknown as Timed)[START];
    if (start === undefined || start < 0 || !live) return;
    (response as unknown as Timed)[START] = -1;
    inFlight--;
    const request = (response as unknown as { req?: ServerRequest }).req;
    if (request === undefined) return;
    // A stream the client closed has ended as streams do, not failed.
    const streaming = isStreaming(response);
    settle(request, response, streaming ? response.statusCode : ABORTED, now() - start, streaming);
  };
  onAbandoned = onClose;
  const settle = (request: ServerRequest, response: ServerResponse, status: number, elapsed: number, streaming: boolean): void => {
    record(routeOf(request, fastify), request.method, status, streaming ? UNTIMED : elapsed, requestLength(request.rawHeaders), status === ABORTED ? -1 : responseLength(response));
  };
  const record = (route: string, method: string | undefined, status: number, elapsed: number, requestBytes: number, responseBytes: number): void => {
    const tags = routes.tags(route, method, status);
    aggregator.count(HttpServerMetric.requests, 1, tags);
    if (status === ABORTED || status >= 500) aggregator.count(HttpServerMetric.errors, 1, tags);
    if (elapsed !== UNTIMED) aggregator.timing(HttpServerMetric.durationMs, elapsed, tags);
    if (requestBytes >= 0) aggregator.timing(HttpServerMetric.requestBodyBytes, requestBytes, tags);
    if (responseBytes >= 0) aggregator.timing(HttpServerMetric.responseBodyBytes, responseBytes, tags);
  };
  // Fastify publishes its route (the template, prefix included) as the handler starts.
  const onFastifyHandler = (message: unknown): void => {
    const { request, route } = message as { request?: { raw?: object }; route?: { url?: unknown } };
    const raw = request?.raw;
    if (raw !== undefined && typeof route?.url === 'string') {
      (raw as Record<symbol, string>)[FASTIFY_ROUTE] = route.url;
      // Fastify with `http2: true` hands over the compat request: the HTTP/2 observer sees its stream.
      const stream = (raw as { stream?: unknown }).stream;
      if (typeof stream === 'object' && stream !== null) (stream as Record<symbol, string>)[FASTIFY_ROUTE] = route.url;
      fastify = true;
    }
  };
  const recorder: RequestRecorder = {
    now,
    live: () => live,
    fastify: () => fastify,
    started: () => { inFlight++; },
    ended: () => { inFlight--; },
    record,
  };
  const upgrades = upgradeObserver(recorder);

  const subscriptions: Subscription[] = [
    ['http.server.request.start', onStart],
    ['http.server.response.finish', onFinish],
    ['tracing:fastify.request.handler:start', onFastifyHandler],
    ...http2Subscriptions(recorder),
    ...upgrades.subscriptions,
  ];
  const unsubscribeAll = subscribeAll(subscriptions);
  const removeSource = aggregator.addPullSource((target) => {
    target.gauge(HttpServerMetric.activeRequests, inFlight);
    if (routes.folded > 0) target.count(HttpServerMetric.droppedRoutes, routes.folded);
    routes.reset();
  });
  active.monitor = {
    unsubscribe: () => {
      live = false;
      if (onAbandoned === onClose) onAbandoned = undefined;
      unsubscribeAll();
      upgrades.detach();
      removeSource();
    },
  };
}

/** Stops observing incoming requests: every channel is unsubscribed. */
export function disableHttpServerMonitor(): void {
  active.monitor?.unsubscribe();
  active.monitor = undefined;
}

/** True while the incoming-HTTP monitor is subscribed. */
export function isHttpServerMonitorEnabled(): boolean {
  return active.monitor !== undefined;
}

function isStreaming(response: ServerResponse): boolean {
  if (!response.headersSent) return false;
  const type = response.getHeader('content-type');
  if (typeof type === 'string') return type.startsWith(STREAMING);
  const sent = response._header;
  return typeof sent === 'string' && (sent.includes(`\r\ncontent-type: ${STREAMING}`) || sent.includes(`\r\nContent-Type: ${STREAMING}`));
}

/**
 * The response's declared `Content-Length`. Headers given to `writeHead()` as an object (as
 * Fastify does) never reach `getHeader()`; they are read from the header block Node wrote,
 * without allocating.
 */
function responseLength(response: ServerResponse): number {
  // Node keeps the length it framed the response with (the app's Content-Length, or the one it
  // set for a body given whole to end()): reading it spares flattening the header block, a
  // third of what the monitor added to a Fastify request (callgrind). 0 where no body goes out
  // (204, 304, HEAD); null for a chunked response.
  const framed = response._contentLength;
  if (typeof framed === 'number') return Number.isSafeInteger(framed) && framed >= 0 ? framed : -1;
  const declared = response.getHeader('content-length');
  if (declared !== undefined) return declaredLength(declared);
  const sent = response._header;
  if (typeof sent !== 'string') return -1;
  let at = sent.indexOf('\r\ncontent-length:');
  if (at < 0) at = sent.indexOf('\r\nContent-Length:');
  if (at < 0) return -1;
  let n = 0;
  let digits = 0;
  for (let i = at + 17; i < sent.length; i++) {
    const c = sent.charCodeAt(i);
    if (c === 32 && digits === 0) continue;
    if (c < 48 || c > 57) break;
    n = n * 10 + (c - 48);
    digits++;
  }
  return digits > 0 && digits < 16 ? n : -1;
}

/**
 * The request's declared `Content-Length`, from the raw header list: reading `request.headers`
 * would make Node build the headers object for apps that never asked for it.
 */
function requestLength(raw: readonly string[]): number {
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    if (name.length === 14 && (name === 'content-length' || name === 'Content-Length' || name.toLowerCase() === 'content-length')) return declaredLength(raw[i + 1]);
  }
  return -1;
}
