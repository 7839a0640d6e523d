import { tryListenAddress } from '../config/listen-address.js';
import { InvalidOption } from '../util/errors.js';
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
  // The one listen-address rule (src/config/listen-address.ts), less the bare port: a CSM
  // address always names its host, and port 0 is no destination.
  const parsed = tryListenAddress(address);
  if (parsed?.host === undefined || parsed.port === 0 || address !== address.trim()) return fail();
  return { host: parsed.host, port: parsed.port, family: udpFamily(parsed.host) };
}
