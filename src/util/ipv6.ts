/**
 * IPv6 literals in addresses: `host:port` needs them bracketed (`[::1]:8125`), sockets and DNS
 * want them bare (`::1`). Any host with a `:` is an IPv6 literal here (names and IPv4 have none).
 */

/** `::1` → `[::1]`; other hosts (and already bracketed ones) unchanged. */
export function bracketHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** `[::1]` → `::1` (URL's `hostname` keeps the brackets); other hosts unchanged. */
export function unbracketHost(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** The UDP socket type for a bare host: `udp6` for an IPv6 literal. */
export function udpFamily(host: string): 'udp4' | 'udp6' {
  return host.includes(':') ? 'udp6' : 'udp4';
}
