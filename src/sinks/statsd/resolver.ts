import { debug } from '../../util/debug.js';
import { unbracketHost } from '../../util/ipv6.js';
import { withTimeout } from '../../util/time.js';

/** Resolves a host name to one address, like `dns.promises.lookup(hostname)`. */
export type LookupFunction = (hostname: string) => Promise<{ address: string; family: number }>;

/** Where datagrams go. */
export interface UdpTarget {
  readonly address: string;
  /** 4 or 6. */
  readonly family: 4 | 6;
}

/** A lookup that hangs must not hold every later delivery: it counts as failed after this, ms. */
const LOOKUP_TIMEOUT = 5_000;

const IPV4 = /^\d{1,3}(?:\.\d{1,3}){3}$/;

/**
 * Keeps a host name resolved off the send path: the first lookup starts at construction, a
 * stale address (older than `refreshInterval`) is still used while a fresh lookup runs in the
 * background, and a failed lookup keeps the last good address. IP literals are never looked up.
 */
export class HostResolver {
  readonly #host: string;
  readonly #lookup: LookupFunction | undefined;
  readonly #refreshInterval: number;
  readonly #lookupTimeout: number;
  readonly #now: () => number;
  readonly #literal: boolean;
  #target: UdpTarget | undefined;
  #resolvedAt = 0;
  #inflight: Promise<void> | undefined;
  #lastError: Error | undefined;

  constructor(hostname: string, options: { lookup?: LookupFunction | undefined; refreshInterval: number; lookupTimeout?: number; now: () => number }) {
    // URL keeps IPv6 literals bracketed: `udp://[::1]:8125` has hostname `[::1]`.
    const host = unbracketHost(hostname);
    this.#host = host;
    this.#lookup = options.lookup;
    this.#refreshInterval = options.refreshInterval;
    this.#lookupTimeout = options.lookupTimeout ?? LOOKUP_TIMEOUT;
    this.#now = options.now;
    if (host.includes(':')) this.#target = { address: host, family: 6 };
    else if (IPV4.test(host)) this.#target = { address: host, family: 4 };
    this.#literal = this.#target !== undefined;
    if (!this.#literal) void this.#refresh();
  }

  /** True when the host is an IP literal (nothing to resolve). */
  get literal(): boolean {
    return this.#literal;
  }

  /**
   * The address to send to now. Uses the last good one (refreshing it in the background when
   * stale); waits for a lookup only when there has never been a good one, and then throws the
   * lookup's error if it fails.
   */
  async target(): Promise<UdpTarget> {
    const target = this.#target;
    if (target !== undefined) {
      if (!this.literal && this.#now() - this.#resolvedAt >= this.#refreshInterval) void this.#refresh();
      return target;
    }
    await this.#refresh();
    if (this.#target !== undefined) return this.#target;
    throw this.#lastError ?? new Error(`cannot resolve ${this.#host}`);
  }

  /** One lookup at a time; never rejects. */
  #refresh(): Promise<void> {
    this.#inflight ??= this.#resolve().finally(() => {
      this.#inflight = undefined;
    });
    return this.#inflight;
  }

  async #resolve(): Promise<void> {
    try {
      const lookup = this.#lookup ?? (await defaultLookup());
      const { address, family } = await withTimeout(lookup(this.#host), this.#lookupTimeout, () => new Error(`lookup of ${this.#host} timed out`));
      if (typeof address !== 'string' || address.length === 0) throw new Error(`lookup of ${this.#host} returned no address`);
      this.#target = { address, family: family === 6 ? 6 : 4 };
      this.#resolvedAt = this.#now();
      this.#lastError = undefined;
    } catch (err) {
      this.#lastError = err instanceof Error ? err : new Error(String(err));
      if (this.#target !== undefined) {
        // Keep sending to the last good address; retry at the next delivery, not in a hot loop.
        this.#resolvedAt = this.#now() - this.#refreshInterval;
        debug(`statsd: lookup of ${this.#host} failed (${this.#lastError.message}); still sending to ${this.#target.address}`);
      }
    }
  }
}

async function defaultLookup(): Promise<LookupFunction> {
  const dns = await import('node:dns');
  return (hostname) => dns.promises.lookup(hostname);
}
