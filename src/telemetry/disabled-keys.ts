/** Who disabled a key: the user's verdict (at init) outranks any server's. */
export type DisabledBy = 'user' | 'server';

/**
 * The disabled keys. A key is disabled when its part before the first `:` is (`ua` covers
 * `ua:curl`), as in Caddy, so a family of keys carrying data in their names goes with its root.
 */
export class DisabledKeys {
  readonly #keys = new Map<string, DisabledBy>();

  has(key: string): boolean {
    if (this.#keys.size === 0) return false;
    const colon = key.indexOf(':');
    return this.#keys.has(colon === -1 ? key : key.slice(0, colon));
  }

  /** A server cannot downgrade what the user disabled. Non-strings are ignored. */
  disable(keys: readonly unknown[], by: DisabledBy): void {
    for (const key of keys) {
      if (typeof key !== 'string') continue;
      if (by === 'server' && this.#keys.get(key) === 'user') continue;
      this.#keys.set(key, by);
    }
  }

  /** Re-enables keys a server disabled; keys the user disabled stay disabled. */
  enable(keys: readonly unknown[]): void {
    for (const key of keys) {
      if (typeof key === 'string' && this.#keys.get(key) === 'server') this.#keys.delete(key);
    }
  }

  get size(): number {
    return this.#keys.size;
  }

  entries(): ReadonlyMap<string, DisabledBy> {
    return this.#keys;
  }

  clear(): void {
    this.#keys.clear();
  }
}
