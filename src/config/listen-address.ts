import { InvalidOption } from '../util/errors.js';
import { describeValue } from '../util/check.js';

/** A listen address as written: the host is absent for a bare port (each listener has its default). */
export interface ListenAddress {
  /** Without brackets (`::1`, not `[::1]`); absent for a bare port. */
  readonly host?: string;
  readonly port: number;
}

/**
 * The one listen-address parser (statsd receiver, Prometheus endpoint, CSM address, the CLI):
 * `8125` (bare port, the listener's default host), `host:port` (a name or an IPv4 address) and
 * `[v6]:port`. Anything else throws `InvalidOption` with a hint: `::1:8125` (an unbracketed
 * IPv6 host: where does the port start?) → write `[::1]:8125`; `:8125` (no host) → write
 * `8125` or `0.0.0.0:8125`. Ports 0–65535 (0 picks a free one).
 */
export function parseListenAddress(text: string, name = 'address'): ListenAddress {
  const fail = (hint: string): never => {
    throw new InvalidOption(`Expected \`${name}\` to be a port, host:port or [v6]:port${hint}, got ${describeValue(text)}`);
  };
  if (typeof text !== 'string') return fail('');
  const value = text.trim();
  let host: string | undefined;
  let portText = value;
  if (value.startsWith('[')) {
    const close = value.indexOf(']');
    if (close < 0 || value[close + 1] !== ':') return fail(' (e.g. [::1]:8125)');
    host = value.slice(1, close);
    portText = value.slice(close + 2);
    if (!host.includes(':')) return fail(' (brackets are for IPv6 addresses)');
  } else if (value.includes(':')) {
    const colon = value.lastIndexOf(':');
    host = value.slice(0, colon);
    portText = value.slice(colon + 1);
    if (host === '') return fail(`: write ${portText} (default host) or 0.0.0.0:${portText} (every interface)`);
    if (host.includes(':')) return fail(`: bracket an IPv6 host, as in [${host}]:${portText}`);
  }
  if (host === '') return fail('');
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65_535) return fail(' with a port from 0 to 65535');
  const port = Number(portText);
  return host === undefined ? { port } : { host, port };
}

/** `parseListenAddress`, or undefined for a bad address (callers that report it their own way). */
export function tryListenAddress(text: string): ListenAddress | undefined {
  try {
    return parseListenAddress(text);
  } catch {
    return undefined;
  }
}

/** Words for where a listener binds, for verbose lines: "all interfaces" for 0.0.0.0 and ::. */
export function describeBind(host: string, port: number): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return `port ${port} on all interfaces`;
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}
