/** The tag of every host past the cap. */
export const OTHER_HOST = 'other';

/**
 * `host:<name>` tag arrays, at most `maxHosts` distinct names per interval (the rest share
 * `host:other`), so a process calling many hosts cannot grow the series count without bound.
 * Arrays are reused, so a known host costs one Map lookup and no allocation.
 */
export class HostTags {
  readonly #maxHosts: number;
  #tags = new Map<string, readonly string[]>();
  readonly #other: readonly string[] = Object.freeze([`host:${OTHER_HOST}`]);

  constructor(maxHosts: number) {
    this.#maxHosts = maxHosts;
  }

  tags(host: string): readonly string[] {
    const known = this.#tags.get(host);
    if (known !== undefined) return known;
    if (this.#tags.size >= this.#maxHosts) return this.#other;
    const tags = Object.freeze([`host:${host}`]);
    this.#tags.set(host, tags);
    return tags;
  }

  /** A new interval: hosts seen before compete for the slots again. */
  reset(): void {
    this.#tags = new Map();
  }
}
