import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

/**
 * Who may talk to the receiver. It binds loopback by default, but a browser on the same machine
 * can still reach it: a page on another site could POST to it (a "simple" cross-origin request
 * needs no preflight) or, through DNS rebinding (evil.example resolving to 127.0.0.1), read it.
 * So every request must name the receiver itself in `Host`, and a browser's POST must come from
 * the receiver's own page and carry JSON.
 */
export class RequestGuard {
  readonly #names: ReadonlySet<string>;

  /** `host` is what the receiver was asked to bind (`--host`), `bound` the address it got. */
  constructor(host: string, bound: string) {
    this.#names = new Set(['localhost', hostnameOf(host), hostnameOf(bound)]);
  }

  /**
   * Whether `Host` names this receiver: the bound address, `localhost`, the `--host` given, or any
   * IP literal (rebinding needs a domain name; an IP literal reaching us is us, which matters
   * when bound to every interface). A request without `Host` (HTTP/1.0) is no browser's.
   */
  hostAllowed(req: IncomingMessage): boolean {
    const host = req.headers.host;
    if (host === undefined) return true;
    const name = hostnameOf(host);
    return this.#names.has(name) || isIP(name) !== 0 || name.endsWith('.localhost');
  }

  /**
   * Why a POST is refused, or undefined when it may go on: an `Origin` (every browser sends one
   * on a POST) must be this receiver's own, and a `Content-Type`, when given, must be JSON
   * (what hmetrics and Heroku's collectors send; a form or text/plain post is a browser's).
   */
  postRefusal(req: IncomingMessage): { status: number; reason: string } | undefined {
    const origin = req.headers.origin;
    if (origin !== undefined) {
      let originHost: string | undefined;
      try { originHost = new URL(origin).host; } catch { originHost = undefined; }
      if (originHost === undefined || originHost.toLowerCase() !== String(req.headers.host ?? '').toLowerCase()) {
        return { status: 403, reason: 'cross-origin posts are refused' };
      }
    }
    const type = req.headers['content-type'];
    if (type !== undefined && !/^application\/([\w.+-]*\+)?json\s*(;|$)/i.test(type)) {
      return { status: 415, reason: `expected Content-Type: application/json, got ${type.slice(0, 60)}` };
    }
    return undefined;
  }
}

/** `[::1]:8126` → `::1`, `Localhost:8126` → `localhost`, `127.0.0.1` → `127.0.0.1`. */
function hostnameOf(host: string): string {
  const lower = host.trim().toLowerCase();
  if (lower.startsWith('[')) return lower.slice(1, lower.indexOf(']') < 0 ? undefined : lower.indexOf(']'));
  if (isIP(lower) === 6) return lower;
  const colon = lower.lastIndexOf(':');
  return colon < 0 ? lower : lower.slice(0, colon);
}
