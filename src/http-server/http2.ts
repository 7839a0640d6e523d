import type { Subscription } from '../util/channels.js';
import { declaredLength, LONG_LIVED_MS, STREAMING, UNTIMED, type RequestRecorder } from './core.js';
import { routeOf, type RoutedRequest } from './route.js';
import { ABORTED } from './route-tags.js';

/**
 * The channel Node publishes when a client's HTTP/2 stream starts on a server: Node 22.17 and
 * 24.2 on (Node 20 publishes nothing for HTTP/2 streams). Older versions never publish on it,
 * so subscribing there is harmless.
 */
export const HTTP2_STREAM_START = 'http2.server.stream.start';

type Headers = Readonly<Record<string, unknown>>;
interface ServerStream {
  readonly id?: number;
  /** True when the stream closed before its writable side ended (RST_STREAM, session gone). */
  readonly aborted: boolean;
  /** The response headers sent, `:status` included; undefined when none were. */
  readonly sentHeaders?: Headers | undefined;
  on(event: 'close', listener: (this: never) => void): unknown;
}
/** What the monitor keeps of a stream between its start and its close. */
interface Pending {
  readonly start: number;
  readonly method: string | undefined;
  readonly requestBytes: number;
}

/**
 * Subscriptions that count each client-initiated HTTP/2 stream as one request: method and
 * declared request length from the request headers when the stream starts, status, declared
 * response length and content type from the response headers when it closes, timed from start
 * to close. A stream closed before the server finished its response is `ABORTED`, as an HTTP/1
 * request whose socket closed first; an event stream is counted, not timed, as over HTTP/1.
 * Server pushes are not requests and are left out.
 */
export function http2Subscriptions(recorder: RequestRecorder): Subscription[] {
  // Per stream state rides on the stream under a symbol private to this monitor. One small
  // object per stream: HTTP/2 requests are not on the hot path the HTTP/1 one optimises.
  const PENDING = Symbol('hmetrics.http2.pending');
  type Tracked = ServerStream & Record<symbol, Pending | undefined>;

  const onStart = (message: unknown): void => {
    const { stream, headers } = message as { stream?: Tracked; headers?: Headers };
    if (stream === undefined || headers === undefined || !recorder.live()) return;
    // Even stream ids are server pushes (RFC 9113 §5.1.1): a response nobody asked for.
    if (typeof stream.id === 'number' && stream.id % 2 === 0) return;
    if (stream[PENDING] !== undefined) return;
    const method = headers[':method'];
    stream[PENDING] = {
      start: recorder.now(),
      method: typeof method === 'string' ? method : undefined,
      requestBytes: declaredLength(headers['content-length']),
    };
    recorder.started();
    // 'close' comes once per stream, however it ends. Read on every Node that has the start
    // channel (the close channel came one release later on 24.x).
    stream.on('close', onClose);
  };

  const onClose = function (this: Tracked): void {
    const pending = this[PENDING];
    if (pending === undefined || !recorder.live()) return;
    this[PENDING] = undefined;
    recorder.ended();
    const elapsed = recorder.now() - pending.start;
    const sent = this.sentHeaders;
    const type = sent?.['content-type'];
    const streaming = typeof type === 'string' && type.startsWith(STREAMING);
    const answered = sent === undefined ? -1 : Number(sent[':status']);
    // Closed before the response finished, or no status ever sent: aborted, unless it was an
    // event stream, which ends when the client leaves.
    const aborted = !(answered >= 100 && answered <= 999) || (this.aborted && !streaming);
    const status = aborted ? ABORTED : answered;
    const untimed = streaming && (this.aborted || elapsed >= LONG_LIVED_MS);
    const route = routeOf(this as unknown as RoutedRequest, recorder.fastify());
    recorder.record(route, pending.method, status, untimed ? UNTIMED : elapsed, pending.requestBytes, aborted ? -1 : declaredLength(sent?.['content-length']));
  };

  return [[HTTP2_STREAM_START, onStart]];
}
