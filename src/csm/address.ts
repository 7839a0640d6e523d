import { InvalidOption } from '../errors.js';
import { bracketHost, udpFamily } from '../util/ipv6.js';

/** Where the AWS SDKs send CSM events when nothing else is configured. */
export const CSM_DEFAULT_HOST = '127.0.0.1';
/** The CSM agent's default port. */
export const CSM_DEFAULT_PORT = '31000';

/**
 * A CSM address from a host and a port, as the AWS SDKs build it: an empty host or
 * `localhost` (any case) becomes `127.0.0.1`, an empty port `31000`, and a host with a `:`
 * (an IPv6 literal) is bracketed.
 *
 * @example
 * addressWithDefaults('', '')        // '127.0.0.1:31000'
 * addressWithDefaults('::1', '8094') // '[::1]:8094'
 */
export function addressWithDefaults(host: string, port: string): string {
  let h = host;
  if (h.length === 0 || h.toLowerCase() === 'localhost') h = CSM_DEFAULT_HOST;
  const p = port.length === 0 ? CSM_DEFAULT_PORT : port;
  return `${bracketHost(h)}:${p}`;
}

/** A parsed `host:port` (brackets removed from IPv6 hosts). */
export interface CsmTarget {
  readonly host: string;
  readonly port: number;
  readonly family: 'udp4' | 'udp6';
}

/**
 * Splits `host:port` / `[v6]:port`, validated once, early. Throws `InvalidOption` with the
 * value it got; the SDK-style defaults are `addressWithDefaults`' job, not this one's.
 */
export function parseCsmAddress(address: string): CsmTarget {
  const fail = (): never => {
    throw new InvalidOption(`Expected \`address\` to be host:port (e.g. 127.0.0.1:31000 or [::1]:31000), got ${JSON.stringify(address)}`);
  };
  if (typeof address !== 'string') return fail();
  let host: string;
  let portText: string;
  if (address.startsWith('[')) {
    const close = address.indexOf(']');
    if (close < 0 || address[close + 1] !== ':') return fail();
    host = address.slice(1, close);
    portText = address.slice(close + 2);
  } else {
    const colon = address.lastIndexOf(':');
    if (colon < 0) return fail();
    host = address.slice(0, colon);
    portText = address.slice(colon + 1);
    if (host.includes(':')) return fail(); // an unbracketed IPv6 host is ambiguous
  }
  if (host.length === 0 || !/^\d{1,5}$/.test(portText)) return fail();
  const port = Number(portText);
  if (port < 1 || port > 65_535) return fail();
  return { host, port, family: udpFamily(host) };
}
