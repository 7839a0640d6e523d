import type { Subscription } from '../util/channels.js';
import { UNTIMED, type RequestRecorder } from './core.js';
import { UNMATCHED } from './route.js';

/** Node publishes every connection a `net.Server` accepts here, on every Node this package supports (20.19 included). */
export const NET_SERVER_SOCKET = 'net.server.socket';
/** The status an upgrade is counted under: the handover, not what the app then writes on the socket. */
export const UPGRADE_STATUS = 101;

type Listener = (...args: never[]) => void;
interface Server {
  /** Set by `http`, `https` and `http2` servers that speak HTTP/1.1: the servers that emit `'upgrade'`. */
  readonly headersTimeout?: unknown;
  listenerCount(event: string): number;
  on(event: string, listener: Listener): unknown;
  removeListener(event: string, listener: Listener): unknown;
}
interface UpgradeRequest { readonly method?: string }

/** The upgrade observer: its channel and how to take its listeners back off every server. */
export interface UpgradeObserver {
  readonly subscriptions: Subscription[];
  /** Removes every listener it added. */
  readonly detach: () => void;
}

/**
 * Counts WebSocket (and any other `Upgrade:`) handshakes that an app's `'upgrade'` listener
 * takes: Node hands those over before it publishes the request, so the request channels never
 * see them. The server is reached through `net.server.socket`, as each connection is accepted
 * and before any byte of it is parsed. An observing `'upgrade'` listener is added only to an
 * HTTP server that already has one: Node's choice between "upgrade" and "ordinary request"
 * depends only on whether a listener exists, so a server the app left without one is never
 * touched. When the app's last `'upgrade'` listener goes, ours goes with it (through
 * `'removeListener'`), so the app removing its own never leaves upgrades swallowed.
 * Each handover is counted once, on route `unmatched`, status 101, untimed and never in flight.
 */
export function upgradeObserver(recorder: RequestRecorder): UpgradeObserver {
  const attached = new Set<WeakRef<Server>>();
  const refs = new WeakMap<Server, WeakRef<Server>>();

  const onUpgrade = (request: UpgradeRequest): void => {
    if (!recorder.live()) return;
    recorder.record(UNMATCHED, typeof request?.method === 'string' ? request.method : undefined, UPGRADE_STATUS, UNTIMED, -1, -1);
  };
  const onRemoveListener = function (this: Server, event: unknown, listener: unknown): void {
    if (event !== 'upgrade') return;
    // Ours taken off (removeAllListeners), or only ours left: stop observing this server.
    if (listener === onUpgrade || this.listenerCount('upgrade') <= 1) detachFrom(this);
  };
  const detachFrom = (server: Server): void => {
    const ref = refs.get(server);
    if (ref === undefined) return;
    refs.delete(server);
    attached.delete(ref);
    server.removeListener('removeListener', onRemoveListener as Listener);
    server.removeListener('upgrade', onUpgrade as Listener);
  };

  const onSocket = (message: unknown): void => {
    const server = (message as { socket?: { server?: Server | null } }).socket?.server;
    if (server === undefined || server === null || refs.has(server)) return;
    if (typeof server.headersTimeout !== 'number' || typeof server.listenerCount !== 'function') return;
    if (server.listenerCount('upgrade') === 0 || !recorder.live()) return;
    // Servers that went away without closing leave dead references: dropped as new ones come.
    if (attached.size >= 32) for (const old of attached) if (old.deref() === undefined) attached.delete(old);
    const ref = new WeakRef(server);
    refs.set(server, ref);
    attached.add(ref);
    server.on('upgrade', onUpgrade as Listener);
    server.on('removeListener', onRemoveListener as Listener);
  };

  return {
    subscriptions: [[NET_SERVER_SOCKET, onSocket]],
    detach: () => {
      for (const ref of [...attached]) {
        const server = ref.deref();
        if (server === undefined) attached.delete(ref);
        else detachFrom(server);
      }
    },
  };
}
